

extension Templates {
    static let registries = #"""
        {{<layout}}{{$main}}
        {{>adminHeader}}
        <h2>Registries</h2>
        {{^hasRegistries}}<p class="empty">No other registries. Add one (to proxy or replicate) with <code>POST /api/v1/registries</code>
          <code>{"name", "url", "username", "password"}</code>.</p>{{/hasRegistries}}
        {{#hasRegistries}}
        <table><thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Signs in as</th></tr></thead><tbody>
        {{#registries}}<tr><td>{{name}}</td><td><code>{{url}}</code>{{#insecure}} <span class="chip private">TLS not verified</span>{{/insecure}}</td>
          <td>{{account}}</td></tr>{{/registries}}
        </tbody></table>
        {{/hasRegistries}}
        <h2>Replication rules</h2>
        {{^hasRules}}<p class="empty">No replication rules. Add one with <code>POST /api/v1/replication/rules</code>.</p>{{/hasRules}}
        {{#rules}}
        <h3>{{name}}</h3>
        <p>{{direction}} <code>{{repositories}}</code>:<code>{{tags}}</code> with {{registry}}; runs {{trigger}}.</p>
        <form action="/admin/registries" method="post" class="delete">
          {{>csrf}}<input type="hidden" name="action" value="run"><input type="hidden" name="rule" value="{{name}}">
          <button type="submit">Run now</button>
        </form>
        {{^executions}}<p class="muted">Not run yet.</p>{{/executions}}
        <ul class="results">{{#executions}}<li><time datetime="{{started.exact}}" title="{{started.exact}}">{{started.relative}}</time>:
          {{status}}, {{copied}} copied, {{failed}} failed {{error}}</li>{{/executions}}</ul>
        {{/rules}}
        <h2>System robot accounts</h2>
        {{^hasRobots}}<p class="empty">No system robots. One spanning projects is made with <code>POST /api/v1/robots</code>.</p>{{/hasRobots}}
        {{#hasRobots}}
        <table><thead><tr><th scope="col">Name</th><th scope="col">May</th><th scope="col">State</th></tr></thead><tbody>
        {{#robots}}<tr><td><code>{{name}}</code></td><td>{{grants}}</td><td>{{#disabled}}disabled{{/disabled}}{{^disabled}}active{{/disabled}}</td></tr>{{/robots}}
        </tbody></table>
        {{/hasRobots}}
        {{/main}}{{/layout}}
        """#
}
