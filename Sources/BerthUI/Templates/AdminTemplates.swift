

extension Templates {
    static let adminHeader = #"""
        <h1>Administration</h1>
        <nav aria-label="Administration" class="tabs">{{#tabs}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/tabs}}</nav>
        """#

    static let admin = #"""
        {{<layout}}{{$main}}
        {{>adminHeader}}
        <table class="config"><tbody>
        {{#facts}}<tr><th scope="row">{{name}}</th><td>{{value}}</td></tr>{{/facts}}
        </tbody></table>
        {{/main}}{{/layout}}
        """#

    static let users = #"""
        {{<layout}}{{$main}}
        {{>adminHeader}}
        <label for="filter" class="hidden">Filter users</label>
        <input id="filter" class="filter" type="search" placeholder="Filter users" data-filter="#user-list">
        <table id="user-list">
        <thead><tr><th scope="col">User</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">State</th>
          <th scope="col"><span class="hidden">Actions</span></th></tr></thead>
        <tbody>
        {{#users}}
        <tr data-key="{{name}} {{email}}"><td>{{name}}</td><td>{{email}}</td>
          <td>{{#admin}}<span class="chip">administrator</span>{{/admin}}{{^admin}}user{{/admin}}</td>
          <td>{{#disabled}}<span class="chip private">disabled</span>{{/disabled}}{{^disabled}}active{{/disabled}}</td>
          <td>{{^self}}
            <form action="/admin/users" method="post" class="delete">
              {{>csrf}}<input type="hidden" name="name" value="{{name}}">
              {{#disabled}}<input type="hidden" name="action" value="enable"><button type="submit">Enable</button>{{/disabled}}
              {{^disabled}}<input type="hidden" name="action" value="disable"><button type="submit">Disable</button>{{/disabled}}
            </form>
            <form action="/admin/users" method="post" class="delete" data-confirm="Change what {{name}} may do?">
              {{>csrf}}<input type="hidden" name="name" value="{{name}}">
              {{#admin}}<input type="hidden" name="action" value="revoke-admin"><button type="submit">Make a user</button>{{/admin}}
              {{^admin}}<input type="hidden" name="action" value="make-admin"><button type="submit">Make an administrator</button>{{/admin}}
            </form>{{/self}}
            <form action="/admin/users" method="post" class="delete">
              {{>csrf}}<input type="hidden" name="name" value="{{name}}"><input type="hidden" name="action" value="password">
              <label class="hidden" for="password-{{name}}">New password for {{name}}</label>
              <input id="password-{{name}}" name="password" type="password" minlength="8" required autocomplete="new-password" placeholder="New password">
              <button type="submit">Reset password</button>
            </form>
          </td></tr>
        {{/users}}
        </tbody>
        </table>
        <h2>New user</h2>
        <form action="/admin/users" method="post" class="inline">
          {{>csrf}}<input type="hidden" name="action" value="create">
          <label for="user-name">Name</label><input id="user-name" name="name" required maxlength="64">
          <label for="user-email">Email</label><input id="user-email" name="email" type="email">
          <label for="user-password">Password</label><input id="user-password" name="password" type="password" minlength="8" required autocomplete="new-password">
          <label><input type="checkbox" name="admin"> Administrator</label>
          <button type="submit">Create user</button>
        </form>
        {{/main}}{{/layout}}
        """#

    static let gc = #"""
        {{<layout}}{{$main}}
        {{>adminHeader}}
        <p>Garbage collection removes blobs no manifest uses any more, after their grace period.</p>
        <form action="/admin/gc" method="post" class="delete">
          {{>csrf}}<input type="hidden" name="action" value="dry-run">
          <button type="submit">Dry run</button>
        </form>
        <form action="/admin/gc" method="post" class="delete" data-confirm="Delete unused blobs now? This cannot be undone.">
          {{>csrf}}<input type="hidden" name="action" value="run">
          <label><input type="checkbox" name="delete_untagged"> also untagged manifests</label>
          <button type="submit" class="danger">Collect now</button>
        </form>
        <h2>Recent runs</h2>
        {{^hasRuns}}<p class="empty">No collection has run yet. A dry run shows what one would remove.</p>{{/hasRuns}}
        {{#hasRuns}}
        <table>
        <thead><tr><th scope="col">Started</th><th scope="col">Took</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Report</th></tr></thead>
        <tbody>
        {{#runs}}<tr><td><time datetime="{{started.exact}}" title="{{started.exact}}">{{started.relative}}</time></td><td>{{seconds}} s</td>
          <td>{{#dryRun}}dry run{{/dryRun}}{{^dryRun}}collection{{/dryRun}}</td><td>{{status}}</td><td><code>{{result}}</code></td></tr>{{/runs}}
        </tbody>
        </table>
        {{/hasRuns}}
        {{/main}}{{/layout}}
        """#
}
