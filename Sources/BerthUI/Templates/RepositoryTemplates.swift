

extension Templates {
    static let repository = #"""
        {{<layout}}{{$main}}
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/projects">Projects</a> / <a href="/projects/{{project}}">{{project}}</a> / <span>{{name}}</span></nav>
        <h1>{{name}}</h1>
        <nav aria-label="Order" class="tabs">
          <a href="/repositories/{{name}}"{{^byTag}} aria-current="page"{{/byTag}}>Newest first</a>
          <a href="/repositories/{{name}}?sort=tag"{{#byTag}} aria-current="page"{{/byTag}}>By tag</a>
        </nav>
        <form action="/repositories/{{name}}" method="get" role="search" class="inline">
          <label for="filter" class="hidden">Filter by tag</label>
          <input id="filter" class="filter" name="tag" type="search" placeholder="Filter by tag" value="{{tag}}" data-filter="#artifact-list">
          <button type="submit">Filter</button>
        </form>
        {{^hasArtifacts}}
        {{#filtered}}<p class="empty">No artifact has a tag containing “{{tag}}”. <a href="/repositories/{{name}}">Show all</a></p>{{/filtered}}
        {{^filtered}}
        <div class="empty">
          <p>This repository has no artifacts. Push one:</p>
          <pre><code>docker push {{host}}/{{name}}:latest</code></pre>
        </div>
        {{/filtered}}
        {{/hasArtifacts}}
        {{#hasArtifacts}}
        <table id="artifact-list">
        <thead><tr><th scope="col">Artifact</th><th scope="col">Tags</th><th scope="col">Size</th><th scope="col">Pushed</th>
          <th scope="col">Last pull</th><th scope="col">Vulnerabilities</th><th scope="col">Referrers</th>{{#mayDelete}}<th scope="col"><span class="hidden">Actions</span></th>{{/mayDelete}}</tr></thead>
        <tbody>
        {{#artifacts}}
        <tr data-key="{{tagList}}">
          <td><a href="/repositories/{{name}}/artifacts/{{digest}}" title="{{digest}}"><code>{{short}}</code></a>
            <button type="button" class="copy" data-copy="{{host}}/{{name}}@{{digest}}" aria-label="Copy the pull reference {{name}}@{{short}}">Copy</button></td>
          <td>{{#tags}}<span class="chip">{{.}}</span> {{/tags}}{{^tags}}<span class="muted">untagged</span>{{/tags}}
            {{#platforms}}<span class="chip platform">{{.}}</span> {{/platforms}}</td>
          <td class="number">{{size}}</td>
          <td><time datetime="{{pushed.exact}}" title="{{pushed.exact}}">{{pushed.relative}}</time></td>
          <td>{{#pulled}}<time datetime="{{exact}}" title="{{exact}}">{{relative}}</time>{{/pulled}}{{^pulled}}never{{/pulled}}</td>
          <td>{{#scan}}{{>scanSummary}}{{/scan}}</td>
          <td class="number">{{referrers}}{{#signed}} <span class="chip" title="It has signatures; the artifact page says whether they are trusted">signed</span>{{/signed}}</td>
          {{#mayDelete}}<td>{{>deleteArtifact}}</td>{{/mayDelete}}
        </tr>
        {{/artifacts}}
        </tbody>
        </table>
        {{/hasArtifacts}}
        {{#next}}<p><a rel="next" href="/repositories/{{name}}?{{next}}">Next page</a></p>{{/next}}
        {{/main}}{{/layout}}
        """#

    /// The confirmation a deletion asks for comes from the script (`data-confirm`); without it the form still works.
    static let deleteArtifact = #"""
        <form action="/repositories/{{name}}" method="post" class="delete" data-confirm="Delete {{name}}@{{short}} and its tags?">
          {{>csrf}}
          <input type="hidden" name="action" value="delete-artifact">
          <input type="hidden" name="digest" value="{{digest}}">
          <button type="submit" class="danger" aria-label="Delete {{name}}@{{short}}">Delete</button>
        </form>
        """#

    /// A scan's state, and its findings per severity once it completed.
    static let scanSummary = #"""
        {{#counts}}{{#hasAny}}{{#list}}<span class="sev sev-{{severity}}" title="{{count}} {{severity}}">{{count}} {{severity}}</span> {{/list}}{{/hasAny}}{{^hasAny}}<span class="sev sev-none">none found</span>{{/hasAny}}{{/counts}}{{^counts}}<span class="muted">{{status}}</span>{{/counts}}
        """#

    static let artifact = #"""
        {{<layout}}{{$main}}
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/projects">Projects</a> / <a href="/projects/{{project}}">{{project}}</a> / <a href="/repositories/{{name}}">{{name}}</a> / <span title="{{digest}}">{{short}}</span></nav>
        <h1>{{name}}@<span title="{{digest}}">{{short}}</span></h1>
        <p>{{#tags}}<span class="chip">{{.}}</span> {{/tags}}{{^tags}}<span class="muted">untagged</span>{{/tags}} · {{mediaType}} · {{size}}</p>
        {{#mayDelete}}
        {{#tags}}
        <form action="/repositories/{{name}}" method="post" class="delete" data-confirm="Delete the tag {{.}}? The artifact stays.">
          {{>csrf}}
          <input type="hidden" name="action" value="delete-tag">
          <input type="hidden" name="tag" value="{{.}}">
          <button type="submit" class="danger">Delete tag {{.}}</button>
        </form>
        {{/tags}}
        {{>deleteArtifact}}
        {{/mayDelete}}
        <h2>Pull</h2>
        <table class="commands">
        <tbody>
        {{#commands}}
        <tr><th scope="row">{{tool}}</th><td><code>{{command}}</code></td>
          <td><button type="button" class="copy" data-copy="{{command}}" aria-label="Copy the {{tool}} command">Copy</button></td></tr>
        {{/commands}}
        </tbody>
        </table>
        {{#hasPlatforms}}
        <h2>Images of this index</h2>
        <table>
        <thead><tr><th scope="col">Platform</th><th scope="col">Manifest</th><th scope="col">Size</th></tr></thead>
        <tbody>
        {{#platforms}}<tr><td><span class="chip">{{platform}}</span></td>
          <td><a href="/repositories/{{name}}/artifacts/{{digest}}" title="{{digest}}"><code>{{short}}</code></a></td><td class="number">{{size}}</td></tr>{{/platforms}}
        </tbody>
        </table>
        {{/hasPlatforms}}
        {{#hasLayers}}
        <h2>Layers</h2>
        <table>
        <thead><tr><th scope="col">#</th><th scope="col">Digest</th><th scope="col">Media type</th><th scope="col">Size</th></tr></thead>
        <tbody>
        {{#layers}}<tr><td class="number">{{index}}</td><td title="{{digest}}"><code>{{short}}</code></td><td>{{mediaType}}</td><td class="number">{{size}}</td></tr>{{/layers}}
        </tbody>
        </table>
        <p>Total: {{layerTotal}}</p>
        {{/hasLayers}}
        <h2>Signatures</h2>
        {{^signed}}<p class="muted">Not signed: sign it with <code>cosign sign</code> or <code>notation sign</code>.</p>{{/signed}}
        {{#signed}}{{#signatures}}
        <p>{{#trusted}}<span class="sev sev-none">trusted</span>{{/trusted}}{{^trusted}}<span class="sev sev-high">{{status}}</span>{{/trusted}} by the project's signing policy.</p>
        <ul class="results">{{#list}}<li>{{format}} <a href="/repositories/{{name}}/artifacts/{{digest}}" title="{{digest}}"><code>{{short}}</code></a>:
          {{#isTrusted}}verified by {{trustedBy}}{{/isTrusted}}{{^isTrusted}}{{error}}{{/isTrusted}}</li>{{/list}}</ul>
        {{/signatures}}{{/signed}}
        <h2>Referrers</h2>
        {{^hasReferrers}}<p class="muted">No signatures, SBOMs or attestations refer to this artifact.</p>{{/hasReferrers}}
        {{#hasReferrers}}
        <table>
        <thead><tr><th scope="col">Type</th><th scope="col">Manifest</th><th scope="col">Size</th></tr></thead>
        <tbody>
        {{#referrers}}<tr><td>{{type}}</td><td><a href="/repositories/{{name}}/artifacts/{{digest}}" title="{{digest}}"><code>{{short}}</code></a></td><td class="number">{{size}}</td></tr>{{/referrers}}
        </tbody>
        </table>
        {{/hasReferrers}}
        {{#config}}
        <h2>Configuration</h2>
        <table class="config">
        <tbody>
        <tr><th scope="row">Platform</th><td>{{platform}}</td></tr>
        {{#created}}<tr><th scope="row">Created</th><td><time datetime="{{exact}}" title="{{exact}}">{{relative}}</time></td></tr>{{/created}}
        {{#entrypoint}}<tr><th scope="row">Entrypoint</th><td><code>{{entrypoint}}</code></td></tr>{{/entrypoint}}
        {{#command}}<tr><th scope="row">Command</th><td><code>{{command}}</code></td></tr>{{/command}}
        {{#workingDirectory}}<tr><th scope="row">Working directory</th><td><code>{{workingDirectory}}</code></td></tr>{{/workingDirectory}}
        {{#runAs}}<tr><th scope="row">User</th><td><code>{{runAs}}</code></td></tr>{{/runAs}}
        {{#hasEnvironment}}<tr><th scope="row">Environment</th><td>{{#environment}}<code>{{.}}</code><br>{{/environment}}</td></tr>{{/hasEnvironment}}
        {{#hasLabels}}<tr><th scope="row">Labels</th><td>{{#labels}}<code>{{name}}={{value}}</code><br>{{/labels}}</td></tr>{{/hasLabels}}
        </tbody>
        </table>
        {{#hasHistory}}
        <h3>History</h3>
        <ol class="history">{{#history}}<li><code>{{step}}</code>{{#empty}} <span class="muted">(no layer)</span>{{/empty}}</li>{{/history}}</ol>
        {{/hasHistory}}
        {{/config}}
        {{#scan}}
        <h2>Vulnerabilities</h2>
        <p>{{>scanSummary}}</p>
        {{#hasFindings}}
        <label for="finding-filter" class="hidden">Filter vulnerabilities</label>
        <input id="finding-filter" class="filter" type="search" placeholder="Filter by id, package or severity" data-filter="#finding-list">
        <table id="finding-list">
        <thead><tr><th scope="col">Vulnerability</th><th scope="col">Severity</th><th scope="col">CVSS</th><th scope="col">Package</th>
          <th scope="col">Installed</th><th scope="col">Fixed in</th></tr></thead>
        <tbody>
        {{#findings}}<tr data-key="{{id}} {{aliases}} {{package}} {{severity}}">
          <td><a href="{{link}}" rel="noopener noreferrer">{{id}}</a>{{#cve}}<br><span class="muted">{{cve}}</span>{{/cve}}</td>
          <td><span class="sev sev-{{severity}}">{{severity}}</span></td><td title="{{vector}}">{{score}}</td>
          <td>{{package}}</td><td><code>{{installed}}</code></td><td>{{#fixed}}<code>{{fixed}}</code>{{/fixed}}{{^fixed}}<span class="muted">no fix</span>{{/fixed}}</td></tr>{{/findings}}
        </tbody>
        </table>
        {{#more}}<p class="muted">And {{more}} more: the whole report is at <code>GET /api/v1/projects/{{project}}/repositories/…/artifacts/{{digest}}/vulnerabilities</code>.</p>{{/more}}
        {{/hasFindings}}
        {{/scan}}
        <h2>Manifest</h2>
        <pre class="json"><code>{{manifest}}</code></pre>
        {{/main}}{{/layout}}
        """#

    static let search = #"""
        {{<layout}}{{$main}}
        <h1>Search</h1>
        {{^hasQuery}}<p class="empty">Type part of a repository or tag name in the search box.</p>{{/hasQuery}}
        {{#hasQuery}}
        <h2>Repositories</h2>
        {{^repositories}}<p class="muted">No repository name contains “{{query}}”.</p>{{/repositories}}
        <ul class="results">{{#repositories}}<li><a href="/repositories/{{.}}">{{.}}</a></li>{{/repositories}}</ul>
        <h2>Tags</h2>
        {{^tags}}<p class="muted">No tag contains “{{query}}”.</p>{{/tags}}
        <ul class="results">{{#tags}}<li><a href="/repositories/{{repository}}/artifacts/{{digest}}">{{repository}}:{{tag}}</a></li>{{/tags}}</ul>
        {{/hasQuery}}
        {{/main}}{{/layout}}
        """#
}
