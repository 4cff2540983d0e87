import BorgCore

/// `POST /v1/hosts/enroll`: a donor's machine joins the grid.
public struct EnrollRequest: Codable, Sendable {
    /// The donor's enrollment token; the host belongs to that donor.
    public var token: String
    public var name: String
    public var cores: Int
    /// Runtimes the host can run: `wasm`, `native-linux-x86_64`, …
    public var platforms: [String]

    public init(token: String, name: String, cores: Int, platforms: [String]) {
        self.token = token
        self.name = name
        self.cores = cores
        self.platforms = platforms
    }
}

public struct EnrollResponse: Codable, Sendable {
    public var hostID: HostID
    public var donorID: DonorID
    public var donorName: String
    /// Secret the host presents as `Authorization: Bearer` from now on. Shown once.
    public var hostSecret: String
    public var coordinators: [String]

    public init(hostID: HostID, donorID: DonorID, donorName: String, hostSecret: String, coordinators: [String]) {
        self.hostID = hostID
        self.donorID = donorID
        self.donorName = donorName
        self.hostSecret = hostSecret
        self.coordinators = coordinators
    }
}

/// `POST /v1/hosts/{id}/work`: ask for up to `maxTasks` tasks.
public struct WorkRequest: Codable, Sendable {
    public var maxTasks: Int
    /// Platforms to run; defaults to those given at enrollment.
    public var platforms: [String]?
    /// The tasks the host holds (running, waiting or not yet reported). When given, tasks the coordinator
    /// gave this host that are missing from the list (their reply was lost) are sent again first,
    /// within `maxTasks` (BOINC's "resend lost results").
    public var heldTasks: [TaskID]?

    public init(maxTasks: Int, platforms: [String]? = nil, heldTasks: [TaskID]? = nil) {
        self.maxTasks = maxTasks
        self.platforms = platforms
        self.heldTasks = heldTasks
    }
}

/// A file a task reads or an app version's executable, fetched from `GET /v1/blobs/{sha256}`.
public typealias FileRef = FileDigest

/// One task given to a host.
public struct TaskAssignment: Codable, Sendable, Equatable {
    public var taskID: TaskID
    public var workUnitID: WorkUnitID
    public var workUnitName: String
    public var project: String
    /// The app to run: platform and executable.
    public var platform: String
    public var app: FileRef
    /// Base64 Ed25519 signature of the app's SHA-256, by the project key (empty if unsigned).
    public var appSignature: String
    public var projectPublicKey: String
    public var inputs: [FileRef]
    /// Seconds since 1970 by which the report must arrive.
    public var deadline: Double
    public var estimatedFlops: Double
    public var maxOutputBytes: Int

    public init(
        taskID: TaskID, workUnitID: WorkUnitID, workUnitName: String, project: String, platform: String,
        app: FileRef, appSignature: String, projectPublicKey: String, inputs: [FileRef], deadline: Double,
        estimatedFlops: Double, maxOutputBytes: Int
    ) {
        self.taskID = taskID
        self.workUnitID = workUnitID
        self.workUnitName = workUnitName
        self.project = project
        self.platform = platform
        self.app = app
        self.appSignature = appSignature
        self.projectPublicKey = projectPublicKey
        self.inputs = inputs
        self.deadline = deadline
        self.estimatedFlops = estimatedFlops
        self.maxOutputBytes = maxOutputBytes
    }
}

public struct WorkResponse: Codable, Sendable {
    public var tasks: [TaskAssignment]
    /// Tasks of this host the grid no longer needs: stop and discard them.
    public var cancelledTasks: [TaskID]
    /// When no work was available, seconds to wait before asking again.
    public var retryAfterSeconds: Double?
    public var coordinators: [String]
    /// The coordinator's clock when it answered (seconds since 1970), so that a host whose own clock is off
    /// can keep the deadlines in its own time. Absent from older coordinators.
    public var serverTime: Double?

    public init(tasks: [TaskAssignment], cancelledTasks: [TaskID], retryAfterSeconds: Double?, coordinators: [String],
                serverTime: Double? = nil) {
        self.tasks = tasks
        self.cancelledTasks = cancelledTasks
        self.retryAfterSeconds = retryAfterSeconds
        self.coordinators = coordinators
        self.serverTime = serverTime
    }
}

/// An output file in a report. Small outputs may travel inline as base64 `data`;
/// otherwise the blob must have been uploaded with `PUT /v1/blobs/{sha256}` first.
public struct ReportedOutput: Codable, Sendable, Equatable {
    public var name: String
    public var sha256: String
    public var size: Int64
    public var data: String?

    public init(name: String, sha256: String, size: Int64, data: String? = nil) {
        self.name = name
        self.sha256 = sha256
        self.size = size
        self.data = data
    }
}

/// The end of one task on a host.
public struct TaskReport: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case success, error }

    public var taskID: TaskID
    public var status: Status
    public var outputs: [ReportedOutput]
    public var cpuSeconds: Double
    /// Work measured by the runtime (WebAssembly fuel); 0 if not measured.
    public var measuredWork: Double
    public var errorMessage: String?

    public init(
        taskID: TaskID, status: Status, outputs: [ReportedOutput] = [], cpuSeconds: Double = 0,
        measuredWork: Double = 0, errorMessage: String? = nil
    ) {
        self.taskID = taskID
        self.status = status
        self.outputs = outputs
        self.cpuSeconds = cpuSeconds
        self.measuredWork = measuredWork
        self.errorMessage = errorMessage
    }
}

extension TaskReport {
    enum CodingKeys: String, CodingKey { case taskID, status, outputs, cpuSeconds, measuredWork, errorMessage }

    /// Only `taskID` and `status` are required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            taskID: try c.decode(TaskID.self, forKey: .taskID), status: try c.decode(Status.self, forKey: .status),
            outputs: try c.decodeIfPresent([ReportedOutput].self, forKey: .outputs) ?? [],
            cpuSeconds: try c.decodeIfPresent(Double.self, forKey: .cpuSeconds) ?? 0,
            measuredWork: try c.decodeIfPresent(Double.self, forKey: .measuredWork) ?? 0,
            errorMessage: try c.decodeIfPresent(String.self, forKey: .errorMessage))
    }
}

/// `POST /v1/hosts/{id}/reports`: applied all together or not at all.
public struct ReportRequest: Codable, Sendable {
    public var reports: [TaskReport]
    public init(reports: [TaskReport]) { self.reports = reports }
}

public struct ReportResponse: Codable, Sendable {
    /// Tasks whose report is now stored (including ones reported before: retries are harmless).
    public var accepted: [TaskID]
    public var cancelledTasks: [TaskID]
    public var coordinators: [String]

    public init(accepted: [TaskID], cancelledTasks: [TaskID], coordinators: [String]) {
        self.accepted = accepted
        self.cancelledTasks = cancelledTasks
        self.coordinators = coordinators
    }
}

/// `POST /v1/hosts/{id}/heartbeat`.
public struct HeartbeatRequest: Codable, Sendable {
    public var runningTasks: [TaskID]
    public init(runningTasks: [TaskID]) { self.runningTasks = runningTasks }
}

public struct HeartbeatResponse: Codable, Sendable {
    public var cancelledTasks: [TaskID]
    public var coordinators: [String]
    public init(cancelledTasks: [TaskID], coordinators: [String]) {
        self.cancelledTasks = cancelledTasks
        self.coordinators = coordinators
    }
}

/// `POST /v1/hosts/{id}/abandon`: the host gives tasks back (all of its tasks when `tasks` is nil).
public struct AbandonRequest: Codable, Sendable {
    public var tasks: [TaskID]?
    /// The host is leaving the grid for good; it gets no more work.
    public var leaving: Bool
    /// The leaving storage host has handed its pieces over: refuse to end it (409) while pieces of stored files
    /// are still on it, as when a file was committed during the hand-over. Absent: false.
    public var piecesHandedOver: Bool?

    public init(tasks: [TaskID]? = nil, leaving: Bool = false, piecesHandedOver: Bool? = nil) {
        self.tasks = tasks
        self.leaving = leaving
        self.piecesHandedOver = piecesHandedOver
    }
}

public struct AbandonResponse: Codable, Sendable {
    public var abandoned: [TaskID]
    public init(abandoned: [TaskID]) { self.abandoned = abandoned }
}
