import BorgProtocol
import BorgSandbox

/// The disk cap against what the host holds: how many more tasks to fetch, and whether an assignment's
/// files fit in one task's share.
public struct DiskRoom: Sendable {
    /// The donor's caps and the machine's cores, from which the buffer and each task's share follow.
    private let caps: DonorCaps
    private let cores: Int
    /// The task and app directories, which count against the cap.
    private let measured: [String]

    /// The room that `caps` leave on `cores` cores for the tasks and apps in `directory`.
    public init(caps: DonorCaps, cores: Int, directory: DataDirectory) {
        (self.caps, self.cores) = (caps, cores)
        measured = [directory.tasks.path, directory.apps.path]
    }

    /// How many more tasks fit in the buffer (``DonorCaps/buffer(cores:)``, `held` taken) and on the
    /// disk, where each task may use ``DonorCaps/diskPerTask(cores:)``.
    public func tasksToFetch(holding held: Int) -> Int {
        let free = caps.buffer(cores: cores) - held
        let used = measured.reduce(UInt64(0)) { $0 + ((try? DiskUsage.bytes(in: $1)) ?? 0) }
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
