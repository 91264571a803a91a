

extension Templates {
    static let projects = #"""
        {{<layout}}{{$main}}
        <h1>Projects</h1>
        <label for="filter" class="hidden">Filter projects</label>
        <input id="filter" class="filter" type="search" placeholder="Filter projects" data-filter="#project-list">
        {{^hasProjects}}
        <div class="empty">
          <p>No projects yet.{{#canCreate}} Create the first one below, then push to it:{{/canCreate}}{{^canCreate}} Ask an administrator to add you to one.{{/canCreate}}</p>
          {{#canCreate}}<pre><code>docker login {{host}}
        docker tag app:latest {{host}}/PROJECT/app:latest
        docker push {{host}}/PROJECT/app:latest</code></pre>{{/canCreate}}
        </div>
        {{/hasProjects}}
        {{#hasProjects}}
        <table id="project-list">
        <thead><tr><th scope="col">Name</th><th scope="col">Access</th><th scope="col">Repositories</th>
          <th scope="col">Storage</th><th scope="col">Last push</th></tr></thead>
        <tbody>
        {{#projects}}
        <tr data-key="{{name}}">
          <td><a href="/projects/{{name}}">{{name}}</a></td>
          <td>{{#public}}<span class="chip">public</span>{{/public}}{{^public}}<span class="chip private">private</span>{{/public}}</td>
          <td class="number">{{repositories}}</td>
          <td>{{storage}}{{#quota}} of {{quota}}<meter min="0" max="100" value="{{percent}}" aria-label="Storage used: {{percent}} %"></meter>{{/quota}}</td>
          <td>{{#lastPush}}<time datetime="{{exact}}" title="{{exact}}">{{relative}}</time>{{/lastPush}}{{^lastPush}}never{{/lastPush}}</td>
        </tr>
        {{/projects}}
        </tbody>
        </table>
        {{/hasProjects}}
        {{#next}}<p><a rel="next" href="/projects?after={{next}}">Next page</a></p>{{/next}}
        {{#canCreate}}
        <section>
        <h2>New project</h2>
        <form action="/projects" method="post" class="inline">
          {{>csrf}}
          <label for="project-name">Name</label>
          <input id="project-name" name="name" required pattern="[a-z0-9]+([._\-][a-z0-9]+)*" maxlength="64">
          <label><input type="checkbox" name="public" value="true"> Public (anyone may pull)</label>
          <button type="submit">Create project</button>
        </form>
        </section>
        {{/canCreate}}
        {{/main}}{{/layout}}
        """#

    static let project = #"""
        {{<layout}}{{$main}}
        {{>projectHeader}}
        <p>{{storage}} stored{{#quota}} of a {{quota}} quota<meter min="0" max="100" value="{{percent}}" aria-label="Storage used: {{percent}} %"></meter>{{/quota}}.</p>
        <h2>Repositories</h2>
        {{^hasRepositories}}
        <div class="empty">
          <p>No repositories yet. Push an image to create one:</p>
          <pre><code>docker tag app:latest {{host}}/{{project.name}}/app:latest
        docker push {{host}}/{{project.name}}/app:latest</code></pre>
        </div>
        {{/hasRepositories}}
        {{#hasRepositories}}
        <label for="filter" class="hidden">Filter repositories</label>
        <input id="filter" class="filter" type="search" placeholder="Filter repositories" data-filter="#repository-list">
        <table id="repository-list">
        <thead><tr><th scope="col">Repository</th><th scope="col">Artifacts</th><th scope="col">Last push</th><th scope="col">Last pull</th></tr></thead>
        <tbody>
        {{#repositories}}
        <tr data-key="{{name}}">
          <td><a href="/repositories/{{name}}">{{name}}</a></td>
          <td class="number">{{artifacts}}</td>
          <td>{{#lastPush}}<time datetime="{{exact}}" title="{{exact}}">{{relative}}</time>{{/lastPush}}{{^lastPush}}never{{/lastPush}}</td>
          <td>{{#lastPull}}<time datetime="{{exact}}" title="{{exact}}">{{relative}}</time>{{/lastPull}}{{^lastPull}}never{{/lastPull}}</td>
        </tr>
        {{/repositories}}
        </tbody>
        </table>
        {{/hasRepositories}}
        {{#next}}<p><a rel="next" href="/projects/{{project.name}}?after={{next}}">Next page</a></p>{{/next}}
        {{/main}}{{/layout}}
        """#
}
