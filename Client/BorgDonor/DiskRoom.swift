import BorgProtocol
import BorgSandbox

/// The disk cap against what the host holds: how many more tasks to fetch, and whether an assignment's
/// files fit in one task's share.
public struct DiskRoom: Sendable {
    public let caps: DonorCaps
    public let cores: Int
    /// The data directory whose task and app directories count against the cap.
    public let directory: DataDirectory

    public init(caps: DonorCaps, cores: Int, directory: DataDirectory) {
        self.caps = caps
        self.cores = cores
        self.directory = directory
    }

    /// How many more tasks fit in the buffer (``DonorCaps/buffer(cores:)``, `held` taken) and on the
    /// disk, where each task may use ``DonorCaps/diskPerTask(cores:)``.
    public func tasksToFetch(holding held: Int) -> Int {
        let free = caps.buffer(cores: cores) - held
        let used = ((try? DiskUsage.bytes(in: directory.tasks.path)) ?? 0) + ((try? DiskUsage.bytes(in: directory.apps.path)) ?? 0)
        let perTask = max(1, caps.diskPerTask(cores: cores))
        let fitting = used >= caps.diskBytes ? 0 : Int((caps.diskBytes - used) / perTask)
        return min(free, fitting)
    }

    /// The bytes of an assignment's app and inputs.
    public static func bytes(of assignment: TaskAssignment) -> Int64 {
        assignment.app.size + assignment.inputs.reduce(0) { $0 + $1.size }
    }

    /// Whether `assignment`'s app and inputs alone fit in one task's share of the disk cap.
    public func fits(_ assignment: TaskAssignment) -> Bool {
        UInt64(max(0, Self.bytes(of: assignment))) <= caps.diskPerTask(cores: cores)
    }
}
