import BorgCore
import BorgProtocol
import Testing
@testable import BorgDashboard

/// The pages as HTML: what they show, and that nothing a donor or submitter names is taken as markup.
@Suite struct DashboardTests {
    let dashboard: Dashboard
    static let hostile = "<script>alert('x')</script> & \"friends\""
    static let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;friends&quot;"

    init() throws { dashboard = try Dashboard() }

    static func donor(_ id: Int64, _ name: String, credit: Double, rac: Double = 0, rank: Int = 1) -> DonorStats {
        DonorStats(donorID: DonorID(id), name: name, totalCredit: credit, rac: rac, hosts: 1,
                   tasks: TaskCounts(valid: 3, invalid: 1), cpuHours: 2, rank: rank)
    }

    static func host(_ id: Int64, donor: Int64, _ name: String, credit: Double = 10, lastContact: Double? = 1_000) -> HostStats {
        HostStats(hostID: HostID(id), donorID: DonorID(donor), name: name, totalCredit: credit, rac: credit / 2,
                  tasks: TaskCounts(valid: 5), cpuHours: 1, consecutiveValid: 5, lastContact: lastContact, active: true)
    }

    static func batch(_ id: Int64, project: String = "primes", done: Int, of total: Int, failed: Int = 0,
                      createdAt: Double = 0) -> BatchStatus {
        BatchStatus(id: BatchID(id), project: project, state: done + failed == total ? .completed : .active, workUnits: total,
                    completed: done, failed: failed, cancelled: 0, tasksInProgress: 2, createdAt: createdAt, finishedAt: nil)
    }

    @Test func namesWithMarkupAreShownAsText() {
        let donors = [Self.donor(1, Self.hostile, credit: 50)]
        let board = dashboard.render(LeaderboardPage.donors(donors, by: .total, page: 0), servedBy: "http://127.0.0.1:1")
        #expect(board.contains(Self.escaped))
        #expect(!board.contains("<script>"))
        let page = dashboard.render(DonorPage(donor: donors[0], team: nil, hosts: [Self.host(7, donor: 1, Self.hostile)],
                                              history: [DailyPoint(day: 20_000, totalCredit: 50, tasksValid: 3)], onlineSince: 0),
                                    servedBy: "x")
        #expect(!page.contains("<script>"), "a donor's or host's name became markup")
        #expect(page.contains("<title>" + Self.escaped + " · Borg</title>"))
        let project = dashboard.render(ProjectPage(stats: ProjectStats(project: "<b>p</b>", workUnits: 1, completed: 0, failed: 0,
                                                                       tasksUnsent: 1, tasksInProgress: 0, creditGranted: 0),
                                                   description: Self.hostile, policy: ProjectPolicy(), batches: [], now: 0),
                                       servedBy: "x")
        #expect(!project.contains("<b>p</b>") && !project.contains("<script>"))
        let batch = dashboard.render(BatchPage(status: Self.batch(3, project: "<i>x</i>", done: 1, of: 4, failed: 1),
                                               failures: [(name: "<u>wu</u>", reason: Self.hostile)], now: 10), servedBy: "x")
        #expect(!batch.contains("<u>wu</u>") && !batch.contains("<i>x</i>") && !batch.contains("<script>"))
        #expect(batch.contains("/projects/%3Ci%3Ex%3C%2Fi%3E"), "the project link is not percent-encoded")
    }

    @Test func leaderboardsPageAndOrderByTotalOrRecentCredit() {
        // 250 donors in rank order by total credit: donor i has credit 1000 - i and RAC i.
        let donors = (1...250).map { Self.donor(Int64($0), "d\($0)", credit: Double(1000 - $0), rac: Double($0), rank: $0) }
        let first = LeaderboardPage.donors(donors, by: .total, page: 0)
        #expect(first.rows.count == 100 && first.rows.first?.name.text == "d1")
        #expect(first.showing == "1–100 of 250" && first.previous == nil && first.next == "/donors?by=total&page=1")
        let last = LeaderboardPage.donors(donors, by: .total, page: 2)
        #expect(last.rows.count == 50 && last.rows.first?.rank == "201" && last.next == nil)
        let byRAC = LeaderboardPage.donors(donors, by: .rac, page: 0)
        #expect(byRAC.rows.first?.name.text == "d250" && byRAC.rows.first?.rank == "1")
        let beyond = LeaderboardPage.donors(donors, by: .total, page: 9)
        #expect(beyond.rows.isEmpty && beyond.showing == "none")

        let teams = [TeamStats(teamID: 3, name: "<Team>", description: "", members: 7, totalCredit: 50, rac: 1, rank: 1)]
        let teamBoard = dashboard.render(LeaderboardPage.teams(teams, by: .total, page: 0), servedBy: "x")
        #expect(teamBoard.contains("<a href=\"/teams/3\">&lt;Team&gt;</a>") && teamBoard.contains("<td class=\"n\">7</td>"))
        let team = dashboard.render(TeamPage(team: teams[0], members: [Self.donor(1, Self.hostile, credit: 50)]), servedBy: "x")
        #expect(team.contains("/donors/1") && !team.contains("<script>"))
        let crowd = (1...250).map { Self.donor(Int64($0), "d\($0)", credit: Double(1000 - $0), rank: $0) }
        let big = TeamPage(team: teams[0], members: crowd)
        #expect(big.members.count == 100 && big.members.last?.name.text == "d100" && big.moreMembers == "150")

        let hosts = [Self.host(1, donor: 1, "small", credit: 5), Self.host(2, donor: 2, "big", credit: 500)]
        let hostBoard = LeaderboardPage.hosts(hosts, donorNames: [DonorID(2): "bob"], by: .total, page: 0)
        #expect(hostBoard.rows.map(\.name.text) == ["big", "small"])
        #expect(hostBoard.rows.first?.owner == Link(href: "/donors/2", text: "bob"))
        let html = dashboard.render(hostBoard, servedBy: "x")
        #expect(html.contains("<a href=\"/hosts/2\">big</a>") && html.contains("<a href=\"/donors/2\">bob</a>"))
    }

    @Test func gridPageShowsCoordinatorsPowerBatchesAndHistory() {
        let history = [DailyPoint(day: 20_000, totalCredit: 100, tasksValid: 10),
                       DailyPoint(day: 20_001, totalCredit: 300, tasksValid: 30)]
        let page = GridPage(coordinators: ["http://10.0.0.1:8080", "http://10.0.0.2:8080"], leader: "http://10.0.0.2:8080", donors: 12_345,
                            hosts: 40, hostsOnline: 31, totalRAC: 2_000, tasksPerSecond: 3.5,
                            batches: [Self.batch(9, done: 25, of: 100, createdAt: 0)], storage: nil, history: history, now: 100)
        #expect(page.coordinators.map(\.role) == ["follows", "leads"])
        #expect(page.power == "10.0 GFLOPS" && page.donors == "12,345" && page.tasksPerSecond == "3.50")
        // 25 of 100 in 100 s: 75 more take 300 s.
        #expect(page.batches.first?.eta == "5 min" && page.batches.first?.percent == "25 %")
        let html = dashboard.render(page, servedBy: "http://10.0.0.1:8080")
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"10\">"))
        #expect(html.contains("<progress max=\"100\" value=\"25\">"))
        #expect(html.contains("<svg") && html.contains("<polyline"))
        #expect(!html.contains("Storage</h2>"), "a grid without storage hosts shows no storage section")
        let throughput = DailyPoint.increments(history)
        #expect(throughput.map(\.tasksValid) == [20], "the first snapshot is only the baseline")
        // A chart ends at this moment's totals, not at the last snapshot.
        let live = DailyPoint(day: 20_001, totalCredit: 350, tasksValid: 35)
        #expect(DailyPoint.ending(history, with: live) == [history[0], live])
        let tomorrow = DailyPoint(day: 20_002, totalCredit: 400, tasksValid: 40)
        #expect(DailyPoint.ending(history, with: tomorrow) == history + [tomorrow])
    }

    @Test func chartsScaleTheirPointsAndSayWhenThereIsNoHistory() {
        let chart = LineChart(title: "t <x>", series: [LineChart.Series(name: "s", points: [(0, 0), (10, 50), (20, 100)])],
                              xLabel: { "d\(Int($0))" }, yLabel: { "\(Int($0))" })
        let svg = chart.svg()
        // The plot spans x 70…624 and y 16…192 (640 × 220 less the margins): the points land on its corners and middle.
        #expect(svg.contains("points=\"70,192 347,104 624,16\""), "\(svg)")
        #expect(svg.contains("<title>t &lt;x&gt;</title>") && svg.contains(">d0<") && svg.contains(">d20<") && svg.contains(">100<"))
        let empty = LineChart(title: "Credit", series: [LineChart.Series(name: "s", points: [])], xLabel: { _ in "" },
                              yLabel: { _ in "" }).svg()
        #expect(empty.contains("no history yet") && !empty.contains("<svg"))
    }

    @Test func numbersAndTimesAreWrittenTheSameEverywhere() {
        #expect(Format.count(0) == "0" && Format.count(999) == "999" && Format.count(1_234_567) == "1,234,567")
        #expect(Format.count(-1000) == "-1,000")
        #expect(Format.credit(3.14159) == "3.14" && Format.credit(12_345.6) == "12,346" && Format.credit(.nan) == "–")
        #expect(Format.duration(42) == "42 s" && Format.duration(3 * 3600 + 720) == "3 h 12 min" && Format.duration(-1) == "–")
        #expect(Format.bytes(512) == "512 B" && Format.bytes(Double(3 << 29)) == "1.5 GiB")
        #expect(Format.day(0) == "1970-01-01" && Format.time(86_400 + 3_660) == "1970-01-02 01:01 UTC")
        #expect(Format.power(rac: 400_000) == "2.0 TFLOPS")
    }
}
