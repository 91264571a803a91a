

extension Templates {
    /// The heading and tabs of every page of a project.
    static let projectHeader = #"""
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/projects">Projects</a> / <span>{{project.name}}</span></nav>
        <h1>{{project.name}} {{#project.public}}<span class="chip">public</span>{{/project.public}}{{^project.public}}<span class="chip private">private</span>{{/project.public}}</h1>
        <nav aria-label="Project" class="tabs">{{#tabs}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/tabs}}</nav>
        """#

    static let members = #"""
        {{<layout}}{{$main}}
        {{>projectHeader}}
        <h2>Members</h2>
        {{^hasMembers}}<p class="empty">No members yet: administrators and public pulls only.{{#administers}} Add someone below.{{/administers}}</p>{{/hasMembers}}
        {{#hasMembers}}
        <table>
        <thead><tr><th scope="col">User</th><th scope="col">Role</th>{{#administers}}<th scope="col"><span class="hidden">Actions</span></th>{{/administers}}</tr></thead>
        <tbody>
        {{#members}}
        <tr><td>{{user}}</td>
          <td>{{^administers}}{{role}}{{/administers}}{{#administers}}
            <form action="/projects/{{project.name}}/members" method="post" class="inline">
              {{>csrf}}<input type="hidden" name="action" value="set"><input type="hidden" name="user" value="{{user}}">
              <label class="hidden" for="role-{{user}}">Role of {{user}}</label>
              <select id="role-{{user}}" name="role">{{#roles}}<option value="{{role}}"{{#selected}} selected{{/selected}}>{{role}}</option>{{/roles}}</select>
              <button type="submit">Change</button>
            </form>{{/administers}}</td>
          {{#administers}}<td>
            <form action="/projects/{{project.name}}/members" method="post" class="delete" data-confirm="Remove {{user}} from {{project.name}}?">
              {{>csrf}}<input type="hidden" name="action" value="remove"><input type="hidden" name="user" value="{{user}}">
              <button type="submit" class="danger" aria-label="Remove {{user}}">Remove</button>
            </form></td>{{/administers}}
        </tr>
        {{/members}}
        </tbody>
        </table>
        {{/hasMembers}}
        {{#administers}}
        <h2>Add a member</h2>
        <form action="/projects/{{project.name}}/members" method="post" class="inline">
          {{>csrf}}<input type="hidden" name="action" value="set">
          <label for="member-user">User</label><input id="member-user" name="user" required maxlength="64">
          <label for="member-role">Role</label>
          <select id="member-role" name="role">{{#roles}}<option value="{{.}}">{{.}}</option>{{/roles}}</select>
          <button type="submit">Add member</button>
        </form>
        {{/administers}}
        {{/main}}{{/layout}}
        """#

    static let robots = #"""
        {{<layout}}{{$main}}
        {{>projectHeader}}
        {{#issued}}
        <section class="issued" role="status">
          <h2>Secret of {{name}}</h2>
          <p>Copy it now: it is shown this once and cannot be read again.</p>
          <p><code id="robot-secret">{{secret}}</code>
            <button type="button" class="copy" data-copy="{{secret}}" aria-label="Copy the secret of {{name}}">Copy</button></p>
          <pre><code>docker login -u '{{name}}' {{host}}</code></pre>
        </section>
        {{/issued}}
        <h2>Robot accounts</h2>
        {{^hasRobots}}<p class="empty">No robot accounts. Create one for CI below: it pushes and pulls with a secret of its own.</p>{{/hasRobots}}
        {{#hasRobots}}
        <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Permissions</th><th scope="col">Expires</th><th scope="col">State</th>
          <th scope="col"><span class="hidden">Actions</span></th></tr></thead>
        <tbody>
        {{#robots}}
        <tr><td><code>{{name}}</code></td><td>{{actions}}</td>
          <td>{{#expires}}<time datetime="{{exact}}" title="{{exact}}">{{exact}}</time>{{/expires}}{{^expires}}never{{/expires}}</td>
          <td>{{#disabled}}<span class="chip private">disabled</span>{{/disabled}}{{^disabled}}<span class="chip">active</span>{{/disabled}}</td>
          <td>
            <form action="/projects/{{project.name}}/robots" method="post" class="delete">
              {{>csrf}}<input type="hidden" name="name" value="{{short}}">
              {{#disabled}}<input type="hidden" name="action" value="enable"><button type="submit">Enable</button>{{/disabled}}
              {{^disabled}}<input type="hidden" name="action" value="disable"><button type="submit">Disable</button>{{/disabled}}
            </form>
            <form action="/projects/{{project.name}}/robots" method="post" class="delete" data-confirm="Give {{name}} a new secret? The old one stops working.">
              {{>csrf}}<input type="hidden" name="name" value="{{short}}"><input type="hidden" name="action" value="regenerate">
              <button type="submit">New secret</button>
            </form>
            <form action="/projects/{{project.name}}/robots" method="post" class="delete" data-confirm="Delete {{name}}?">
              {{>csrf}}<input type="hidden" name="name" value="{{short}}"><input type="hidden" name="action" value="delete">
              <button type="submit" class="danger" aria-label="Delete {{name}}">Delete</button>
            </form>
          </td></tr>
        {{/robots}}
        </tbody>
        </table>
        {{/hasRobots}}
        <h2>New robot account</h2>
        <form action="/projects/{{project.name}}/robots" method="post" class="inline">
          {{>csrf}}<input type="hidden" name="action" value="create">
          <label for="robot-name">Name</label><input id="robot-name" name="name" required maxlength="64" pattern="[a-z0-9]+([._\-][a-z0-9]+)*">
          <fieldset><legend>May</legend>
            <label><input type="checkbox" name="pull" checked> pull</label>
            <label><input type="checkbox" name="push"> push</label>
            <label><input type="checkbox" name="delete"> delete</label>
          </fieldset>
          <label for="robot-days">Expires in days (0: never)</label><input id="robot-days" name="expires_in_days" type="number" min="0" max="36500" value="90">
          <button type="submit">Create robot account</button>
        </form>
        {{/main}}{{/layout}}
        """#

    static let audit = #"""
        {{<layout}}{{$main}}
        {{>projectHeader}}
        <h2>Audit log</h2>
        {{^hasEntries}}<p class="empty">Nothing recorded yet: pushes, pulls, deletions and changes appear here.</p>{{/hasEntries}}
        {{#hasEntries}}
        <table>
        <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">From</th><th scope="col">On</th><th scope="col">Result</th></tr></thead>
        <tbody>
        {{#entries}}<tr><td><time datetime="{{time.exact}}" title="{{time.exact}}">{{time.relative}}</time></td><td>{{kind}}</td><td>{{actor}}</td>
          <td>{{source}}</td><td>{{what}}</td><td>{{result}}</td></tr>{{/entries}}
        </tbody>
        </table>
        {{/hasEntries}}
        {{#next}}<p><a rel="next" href="/projects/{{project.name}}/audit?before={{next}}">Older entries</a></p>{{/next}}
        {{/main}}{{/layout}}
        """#
}
