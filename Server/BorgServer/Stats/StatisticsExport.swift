import BorgCore
import BorgDashboard
import BorgStore
import Crypto
import Foundation

/// BOINC's statistics export (the files `db_dump` writes), so that the stats sites that read BOINC projects
/// read Borg too: `tables.xml`, and `user.gz`, `host.gz`, `team.gz` (gzip-compressed XML), served under
/// `/stats/`. The files are made again when they are older than `maxAge` seconds, once however many ask at
/// that moment.
///
/// A donor's `cpid` is BOINC's: the MD5 of its random cross-project id followed by its e-mail address (private,
/// never exported). Hosts have no BOINC client id, so a host's `host_cpid` is the MD5 of the donor's
/// cross-project id, `:`, the host's id and the e-mail address.
actor StatisticsExport {
    let store: Store
    let clock: @Sendable () -> Double
    let maxAge: Double
    private var made: (at: Double, files: [String: Data])?
    /// The files being made now, which every request that finds the last ones too old waits for.
    private var making: Task<[String: Data], any Error>?

    /// The files served, by name.
    static let fileNames = ["tables.xml", "user.gz", "host.gz", "team.gz"]

    init(store: Store, clock: @escaping @Sendable () -> Double, maxAge: Double = 600) {
        self.store = store
        self.clock = clock
        self.maxAge = maxAge
    }

    /// The file named `name` (one of ``fileNames``), made now if the last ones are too old.
    func file(_ name: String) async throws -> Data? {
        let now = clock()
        if let made, now - made.at < maxAge { return made.files[name] }
        if let making { return try await making.value[name] }
        let task = Task { [store] in try await Self.make(store: store, now: now) }
        making = task
        defer { making = nil }
        let files = try await task.value
        made = (now, files)
        return files[name]
    }

    /// All four files as of `now`.
    static func make(store: Store, now: Double) async throws -> [String: Data] {
        let (donors, hosts, teams, projects) = try await store.read { q in
            (try q.donorExportRows(), try q.hostExportRows(), try q.teamTotals(), try q.projects().map(\.name))
        }
        let donorsByID = Dictionary(uniqueKeysWithValues: donors.map { ($0.id, $0) })
        var users = Self.header("users")
        for donor in donors {
            users += "<user>\n <id>\(donor.id.rawValue)</id>\n <name>\(Self.text(donor.name))</name>\n"
            users += " <create_time>\(Int(donor.createdAt))</create_time>\n"
            users += Self.credit(donor.totalCredit, rac: donor.rac.value, at: donor.rac.time, indent: " ")
            users += " <cpid>\(Self.md5(donor.crossProjectID + donor.email))</cpid>\n"
            if let team = donor.team { users += " <teamid>\(team.rawValue)</teamid>\n" }
            users += "</user>\n"
        }
        var hostXML = Self.header("hosts")
        for host in hosts {
            let owner = donorsByID[host.donor]
            hostXML += "<host>\n    <id>\(host.id.rawValue)</id>\n    <userid>\(host.donor.rawValue)</userid>\n"
            hostXML += Self.credit(host.totalCredit, rac: host.rac.value, at: host.rac.time, indent: "    ")
            hostXML += "    <p_vendor></p_vendor>\n    <p_model></p_model>\n    <os_name></os_name>\n    <os_version></os_version>\n"
            hostXML += "  <create_time>\(Int(host.createdAt))</create_time>\n  <rpc_time>\(Int(host.lastContact ?? 0))</rpc_time>\n"
            hostXML += "  <timezone>0</timezone>\n  <ncpus>\(host.cores)</ncpus>\n"
            hostXML += "  <avg_turnaround>\(Self.number(host.turnaround ?? 0))</avg_turnaround>\n"
            hostXML += "  <host_cpid>\(Self.md5((owner?.crossProjectID ?? "") + ":\(host.id.rawValue)" + (owner?.email ?? "")))</host_cpid>\n"
            hostXML += "</host>\n"
        }
        var teamXML = Self.header("teams")
        for team in teams {
            teamXML += "<team>\n <id>\(team.id.rawValue)</id>\n <type>1</type>\n <name>\(Self.text(team.name))</name>\n"
            teamXML += " <userid>\(team.founder?.rawValue ?? 0)</userid>\n"
            teamXML += Self.credit(team.totalCredit, rac: team.memberRAC.reduce(0) { $0 + $1.decayed(to: now) }, at: now, indent: " ")
            if let founder = team.founder.flatMap({ donorsByID[$0] }) {
                teamXML += "  <founder_name>\(Self.text(founder.name))</founder_name>\n"
            }
            teamXML += " <create_time>\(Int(team.createdAt))</create_time>\n"
            if !team.description.isEmpty { teamXML += "<description>\(Self.text(team.description))</description>\n" }
            teamXML += " <nusers>\(team.members)</nusers>\n <country>None</country>\n</team>\n"
        }
        var tables = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<tables>\n    <update_time>\(Int(now))</update_time>\n"
        tables += "    <nusers_total>\(donors.count)</nusers_total>\n    <nteams_total>\(teams.count)</nteams_total>\n"
        tables += "    <nhosts_total>\(hosts.count)</nhosts_total>\n"
        tables += "    <total_credit>\(Self.number(donors.reduce(0) { $0 + $1.totalCredit }))</total_credit>\n    <applications>\n"
        for project in projects { tables += "        <application>\n            <name>\(Self.text(project))</name>\n        </application>\n" }
        tables += "    </applications>\n</tables>\n"
        return [
            "tables.xml": Data(tables.utf8),
            "user.gz": try Gzip.compress(Data((users + "</users>\n").utf8)),
            "host.gz": try Gzip.compress(Data((hostXML + "</hosts>\n").utf8)),
            "team.gz": try Gzip.compress(Data((teamXML + "</teams>\n").utf8)),
        ]
    }

    /// BOINC's three credit elements: total, recent average credit (`expavg`) and the time that average is of.
    static func credit(_ total: Double, rac: Double, at time: Double, indent: String) -> String {
        "\(indent)<total_credit>\(number(total))</total_credit>\n\(indent)<expavg_credit>\(number(rac))</expavg_credit>\n"
            + "\(indent)<expavg_time>\(number(time))</expavg_time>\n"
    }

    static func header(_ tag: String) -> String { "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<\(tag)>\n" }

    /// Text as XML character data: escaped, without the characters XML 1.0 does not allow (control
    /// characters but tab and newline, U+FFFE, U+FFFF).
    static func text(_ value: String) -> String {
        let allowed = value.unicodeScalars.filter {
            ($0.value >= 0x20 || $0 == "\t" || $0 == "\n") && $0.value != 0xFFFE && $0.value != 0xFFFF
        }
        return HTMLEscaping.escape(String(String.UnicodeScalarView(allowed)))
    }

    /// A number as BOINC's `%f` writes it.
    static func number(_ value: Double) -> String { String(format: "%f", value.isFinite ? value : 0) }

    static func md5(_ text: String) -> String { HexEncoding.string(Insecure.MD5.hash(data: Data(text.utf8))) }
}
