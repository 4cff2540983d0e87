import Mustache

/// Renders the dashboard's pages: server-side HTML that works without JavaScript. Every value a donor or
/// submitter can name is escaped by the templates (`{{…}}`); only the page body and charts, built here,
/// are inserted as HTML.
public struct Dashboard: Sendable {
    let library: MustacheLibrary

    public init() throws {
        var library = MustacheLibrary()
        try library.register(DashboardTemplates.layout, named: "layout")
        try library.register(DashboardTemplates.batchRows, named: "batch-rows")
        try library.register(DashboardTemplates.contributionTiles, named: "contribution-tiles")
        for (name, template) in DashboardTemplates.pages {
            try library.register(template, named: name)
        }
        self.library = library
    }

    /// The whole HTML document of `page`; `servedBy` names the coordinator in the footer.
    public func render<Page: DashboardPage>(_ page: Page, servedBy: String) -> String {
        let body = library.render(page, withTemplate: Page.template) ?? ""
        let layout = Layout(title: page.title, refresh: page.refreshSeconds.map(Layout.Refresh.init), body: body,
                            servedBy: servedBy)
        return library.render(layout, withTemplate: "layout") ?? body
    }

    /// What the layout around every page shows.
    struct Layout {
        struct Refresh { let seconds: Int }
        let title: String
        let refresh: Refresh?
        let body: String
        let servedBy: String
    }
}

/// A dashboard page: a value whose stored properties its template shows.
public protocol DashboardPage: Sendable {
    /// The name of its template in ``DashboardTemplates/pages``.
    static var template: String { get }
    /// The page's heading and window title.
    var title: String { get }
    /// Seconds after which the browser reloads the page; `nil` for pages that do not change by the minute.
    var refreshSeconds: Int? { get }
}

/// A link to another page.
public struct Link: Sendable, Equatable {
    public let href: String
    public let text: String

    public init(href: String, text: String) {
        self.href = href
        self.text = text
    }
}
