/// A line chart drawn as inline SVG on the server: no script, readable by anything that shows HTML.
public struct LineChart: Sendable {
    /// One line: its name and its points (x ascending).
    public struct Series: Sendable {
        public let name: String
        public let points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public let title: String
    public let series: [Series]
    /// Writes an x value (e.g. a day) under the axis.
    public let xLabel: @Sendable (Double) -> String
    /// Writes a y value beside the axis.
    public let yLabel: @Sendable (Double) -> String
    public var width = 640.0
    public var height = 220.0

    public init(title: String, series: [Series], xLabel: @escaping @Sendable (Double) -> String,
                yLabel: @escaping @Sendable (Double) -> String) {
        self.title = title
        self.series = series
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    static let colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea"]
    static let margin = (left: 70.0, right: 16.0, top: 16.0, bottom: 28.0)

    /// The chart as an `<svg>` element; a short note instead when there is nothing to draw yet.
    public func svg() -> String {
        let points = series.flatMap(\.points)
        let title = HTMLEscaping.escape(self.title)
        guard let minX = points.map(\.x).min(), let maxX = points.map(\.x).max() else {
            return "<p class=\"chart-empty\">\(title): no history yet.</p>"
        }
        let maxY = max(points.map(\.y).max() ?? 0, 1e-9)
        let m = Self.margin
        let plotWidth = width - m.left - m.right
        let plotHeight = height - m.top - m.bottom
        func px(_ x: Double) -> Double { m.left + (maxX > minX ? (x - minX) / (maxX - minX) * plotWidth : plotWidth / 2) }
        func py(_ y: Double) -> Double { m.top + plotHeight - max(0, y) / maxY * plotHeight }
        func n(_ v: Double) -> String { String(Int(v.rounded())) }

        var svg = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(n(width)) \(n(height))\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<title>\(title)</title>"
        svg += "<line x1=\"\(n(m.left))\" y1=\"\(n(py(0)))\" x2=\"\(n(width - m.right))\" y2=\"\(n(py(0)))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(n(m.left))\" y1=\"\(n(m.top))\" x2=\"\(n(m.left))\" y2=\"\(n(py(0)))\" stroke=\"#999\"/>"
        svg += label(HTMLEscaping.escape(yLabel(maxY)), x: m.left - 6, y: m.top + 4, anchor: "end")
        svg += label("0", x: m.left - 6, y: py(0) + 4, anchor: "end")
        if maxX > minX {
            svg += label(HTMLEscaping.escape(xLabel(minX)), x: m.left, y: height - 8, anchor: "start")
            svg += label(HTMLEscaping.escape(xLabel(maxX)), x: width - m.right, y: height - 8, anchor: "end")
        } else {
            svg += label(HTMLEscaping.escape(xLabel(minX)), x: px(minX), y: height - 8, anchor: "middle")
        }
        for (i, line) in series.enumerated() where !line.points.isEmpty {
            let color = Self.colors[i % Self.colors.count]
            let path = line.points.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\">"
            svg += "<title>\(HTMLEscaping.escape(line.name))</title></polyline>"
            if line.points.count == 1, let only = line.points.first {
                svg += "<circle cx=\"\(n(px(only.x)))\" cy=\"\(n(py(only.y)))\" r=\"3\" fill=\"\(color)\"/>"
            }
        }
        return svg + "</svg>"
    }

    private func label(_ text: String, x: Double, y: Double, anchor: String) -> String {
        "<text x=\"\(Int(x.rounded()))\" y=\"\(Int(y.rounded()))\" text-anchor=\"\(anchor)\" font-size=\"12\" fill=\"#444\">\(text)</text>"
    }
}
