

extension Templates {
    static let policies = #"""
        {{<layout}}{{$main}}
        {{>projectHeader}}
        {{#retention}}
        <section class="issued" role="status">
          <h2>{{#dryRun}}Retention dry run{{/dryRun}}{{^dryRun}}Retention run{{/dryRun}}</h2>
          <p>{{examined}} artifacts examined; {{count}} {{#dryRun}}would be deleted{{/dryRun}}{{^dryRun}}deleted{{/dryRun}}; {{protected}} kept by an immutable tag.</p>
          <table>
          <thead><tr><th scope="col">Repository</th><th scope="col">Artifact</th><th scope="col">Tags</th><th scope="col">Outcome</th></tr></thead>
          <tbody>{{#artifacts}}<tr><td>{{repository}}</td><td title="{{digest}}"><code>{{short}}</code></td><td>{{tags}}</td><td>{{outcome}}</td></tr>{{/artifacts}}</tbody>
          </table>
        </section>
        {{/retention}}
        <h2>Quota</h2>
        <p>{{storage}} stored; quota: {{quota}}.</p>
        {{#setsQuota}}
        <form action="/projects/{{project.name}}/policies" method="post" class="inline">
          {{>csrf}}<input type="hidden" name="action" value="quota">
          <label for="quota">Quota in GiB (empty: none)</label><input id="quota" name="quota_gib" inputmode="decimal" value="{{quotaGiB}}">
          <button type="submit">Set quota</button>
        </form>
        {{/setsQuota}}
        <h2>Immutable tags</h2>
        {{^hasRules}}<p class="empty">No rule: every tag may be moved or deleted.{{#maintains}} Add one below, such as <code>**</code> and <code>v*</code>.{{/maintains}}</p>{{/hasRules}}
        {{#hasRules}}
        <table>
        <thead><tr><th scope="col">Repositories</th><th scope="col">Tags</th>{{#maintains}}<th scope="col"><span class="hidden">Actions</span></th>{{/maintains}}</tr></thead>
        <tbody>{{#rules}}<tr><td><code>{{repository}}</code></td><td><code>{{tag}}</code></td>
          {{#maintains}}<td><form action="/projects/{{project.name}}/policies" method="post" class="delete" data-confirm="Delete this rule? Its tags can be moved again.">
            {{>csrf}}<input type="hidden" name="action" value="delete-immutability"><input type="hidden" name="id" value="{{id}}">
            <button type="submit" class="danger" aria-label="Delete the rule {{repository}} {{tag}}">Delete</button></form></td>{{/maintains}}</tr>{{/rules}}</tbody>
        </table>
        {{/hasRules}}
        {{#maintains}}
        <form action="/projects/{{project.name}}/policies" method="post" class="inline">
          {{>csrf}}<input type="hidden" name="action" value="add-immutability">
          <label for="rule-repository">Repositories</label><input id="rule-repository" name="repository" required value="**">
          <label for="rule-tag">Tags</label><input id="rule-tag" name="tag" required placeholder="v*">
          <button type="submit">Add rule</button>
        </form>
        {{/maintains}}
        <h2>Retention</h2>
        {{^retentionPolicy}}<p class="empty">No retention policy: nothing is deleted by age or count. Set one with <code>PUT /api/v1/projects/{{project.name}}/retention</code>.</p>{{/retentionPolicy}}
        {{#retentionPolicy}}
        <pre class="json"><code>{{retentionPolicy}}</code></pre>
        {{#administers}}
        <form action="/projects/{{project.name}}/policies" method="post" class="delete">
          {{>csrf}}<input type="hidden" name="action" value="retention-dry-run">
          <button type="submit">Preview (dry run)</button>
        </form>
        <form action="/projects/{{project.name}}/policies" method="post" class="delete" data-confirm="Apply the retention policy now? What it selects is deleted.">
          {{>csrf}}<input type="hidden" name="action" value="retention-run">
          <button type="submit" class="danger">Apply now</button>
        </form>
        {{/administers}}
        {{/retentionPolicy}}
        {{#administers}}
        <h2>Webhooks</h2>
        {{^hasWebhooks}}<p class="empty">No webhooks. Add one with <code>POST /api/v1/projects/{{project.name}}/webhooks</code>.</p>{{/hasWebhooks}}
        {{#webhooks}}
        <h3><code>{{url}}</code></h3>
        <p>Events: {{events}}</p>
        {{^deliveries}}<p class="muted">Nothing delivered yet.</p>{{/deliveries}}
        <ul class="results">{{#deliveries}}<li>{{event}}: {{status}} after {{attempts}} attempt(s), last answer {{code}} {{error}}</li>{{/deliveries}}</ul>
        {{/webhooks}}
        {{/administers}}
        {{#settings}}
        <h2>Setting {{name}}</h2>
        <pre class="json"><code>{{json}}</code></pre>
        {{/settings}}
        {{/main}}{{/layout}}
        """#
}
