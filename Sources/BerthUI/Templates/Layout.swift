

/// The frame of every page: header with navigation and search, the page's
/// `main`, and the assets (no inline script or style: the CSP forbids them).
extension Templates {
    static let layout = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Berth</title>
        <link rel="icon" href="{{assets.icon}}" type="image/svg+xml">
        <link rel="stylesheet" href="{{assets.css}}">
        <script src="{{assets.js}}" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/projects">Berth</a>
          {{#user}}
          <nav aria-label="Main">
            <a href="/projects">Projects</a>
            {{#user.admin}}<a href="/admin">Administration</a>{{/user.admin}}
          </nav>
          <form class="search" role="search" action="/search" method="get">
            <label for="site-search" class="hidden">Search repositories and tags</label>
            <input id="site-search" name="q" type="search" placeholder="Search repositories and tags" value="{{query}}"
                   autocomplete="off" list="search-suggestions" data-suggest="/search/suggestions">
            <datalist id="search-suggestions"></datalist>
          </form>
          <form class="signout" action="/logout" method="post">
            {{>csrf}}
            <span class="who">{{user.name}}</span>
            <button type="submit">Sign out</button>
          </form>
          {{/user}}
        </header>
        <main id="main">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{$main}}{{/main}}
        </main>
        </body>
        </html>
        """#

    /// Every form's token (see `UIRoutes.form`).
    static let csrf = #"<input type="hidden" name="csrf" value="{{csrf}}">"#

    static let error = #"""
        {{<layout}}{{$main}}
        <h1>{{title}}</h1>
        <p>{{message}}</p>
        <p><a href="/projects">Back to the projects</a></p>
        {{/main}}{{/layout}}
        """#

    static let login = #"""
        {{<layout}}{{$main}}
        <section class="signin">
        <h1>Sign in to Berth</h1>
        {{#failure}}<p class="error" role="alert">{{failure}}</p>{{/failure}}
        <form action="/login" method="post">
          {{>csrf}}
          <input type="hidden" name="next" value="{{next}}">
          <label for="username">Username</label>
          <input id="username" name="username" autocomplete="username" required autofocus value="{{username}}">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required>
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">First start? Sign in as <code>admin</code> with the password Berth printed in its log when it created
          that account (or the one in <code>BERTH_ADMIN_PASSWORD</code>).</p>
        </section>
        {{/main}}{{/layout}}
        """#
}
