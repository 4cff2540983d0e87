import BorgCore

/// `POST /v1/donors` (admin).
public struct CreateDonorRequest: Codable, Sendable {
    public var name: String
    /// Private: never shown; BOINC's statistics export hashes it with the donor's cross-project id.
    public var email: String?

    public init(name: String, email: String? = nil) {
        self.name = name
        self.email = email
    }
}

public struct CreateDonorResponse: Codable, Sendable {
    public var donorID: DonorID
    public var name: String
    /// Token that enrolls hosts for this donor. Shown once.
    public var enrollmentToken: String
    public init(donorID: DonorID, name: String, enrollmentToken: String) {
        self.donorID = donorID
        self.name = name
        self.enrollmentToken = enrollmentToken
    }
}

/// Counts of a donor's or host's tasks by outcome.
public struct TaskCounts: Codable, Sendable, Equatable {
    public var valid: Int
    public var invalid: Int
    public var error: Int
    public var inProgress: Int
    public init(valid: Int = 0, invalid: Int = 0, error: Int = 0, inProgress: Int = 0) {
        self.valid = valid
        self.invalid = invalid
        self.error = error
        self.inProgress = inProgress
    }
}

public struct DonorStats: Codable, Sendable, Equatable {
    public var donorID: DonorID
    public var name: String
    public var totalCredit: Double
    /// Recent average credit, decayed to now.
    public var rac: Double
    public var hosts: Int
    public var tasks: TaskCounts
    public var cpuHours: Double
    /// 1 = most total credit.
    public var rank: Int
    /// The donor's team, if it joined one.
    public var team: String?

    public init(donorID: DonorID, name: String, totalCredit: Double, rac: Double, hosts: Int, tasks: TaskCounts, cpuHours: Double,
                rank: Int, team: String? = nil) {
        self.team = team
        self.donorID = donorID
        self.name = name
        self.totalCredit = totalCredit
        self.rac = rac
        self.hosts = hosts
        self.tasks = tasks
        self.cpuHours = cpuHours
        self.rank = rank
    }
}

public struct HostStats: Codable, Sendable, Equatable {
    public var hostID: HostID
    public var donorID: DonorID
    public var name: String
    public var totalCredit: Double
    public var rac: Double
    public var tasks: TaskCounts
    public var cpuHours: Double
    public var consecutiveValid: Int
    public var lastContact: Double?
    public var active: Bool

    public init(
        hostID: HostID, donorID: DonorID, name: String, totalCredit: Double, rac: Double, tasks: TaskCounts,
        cpuHours: Double, consecutiveValid: Int, lastContact: Double?, active: Bool
    ) {
        self.hostID = hostID
        self.donorID = donorID
        self.name = name
        self.totalCredit = totalCredit
        self.rac = rac
        self.tasks = tasks
        self.cpuHours = cpuHours
        self.consecutiveValid = consecutiveValid
        self.lastContact = lastContact
        self.active = active
    }
}

public struct ProjectStats: Codable, Sendable, Equatable {
    public var project: String
    public var workUnits: Int
    public var completed: Int
    public var failed: Int
    public var tasksUnsent: Int
    public var tasksInProgress: Int
    public var creditGranted: Double

    public init(project: String, workUnits: Int, completed: Int, failed: Int, tasksUnsent: Int, tasksInProgress: Int, creditGranted: Double) {
        self.project = project
        self.workUnits = workUnits
        self.completed = completed
        self.failed = failed
        self.tasksUnsent = tasksUnsent
        self.tasksInProgress = tasksInProgress
        self.creditGranted = creditGranted
    }
}

/// `GET /v1/stats/leaderboard?by=total|rac`.
public struct Leaderboard: Codable, Sendable {
    public var by: String
    public var donors: [DonorStats]
    public init(by: String, donors: [DonorStats]) {
        self.by = by
        self.donors = donors
    }
}
