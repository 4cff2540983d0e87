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
    /// disk, where each task may use ``DonorCaps/diskPerTask(cores:)``. None when the directories cannot
    /// be measured: what cannot be measured is not known to fit.
    public func tasksToFetch(holding held: Int) -> Int {
        let free = caps.buffer(cores: cores) - held
        var used: UInt64 = 0
        for path in measured {
            guard let bytes = try? DiskUsage.bytes(in: path) else { return 0 }
            let (sum, overflow) = used.addingReportingOverflow(bytes)
            guard !overflow else { return 0 }
            used = sum
        }
        let perTask = max(1, caps.diskPerTask(cores: cores))
        let fitting = used >= caps.diskBytes ? 0 : Int(clamping: (caps.diskBytes - used) / perTask)
        return min(free, fitting)
    }

    /// The bytes of an assignment's app and inputs. Throws when the coordinator sent a negative size, or
    /// sizes that add up past what a 64-bit count holds: such a task can never be checked against the cap.
    public static func bytes(of assignment: TaskAssignment) throws(DonorError) -> Int64 {
        var total: Int64 = 0
        let sizes = [("the app", assignment.app.size)] + assignment.inputs.map { ("input '\($0.name)'", $0.size) }
        for (what, size) in sizes {
            guard size >= 0 else {
                throw DonorError("the coordinator gave \(what) a size of \(size) bytes; sizes cannot be negative")
            }
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow else {
                throw DonorError("the coordinator's sizes for the app and inputs add up to more than \(Int64.max) bytes")
            }
            total = sum
        }
        return total
    }

    /// Whether `assignment`'s app and inputs alone fit in one task's share of the disk cap; throws as
    /// ``bytes(of:)`` does.
    public func fits(_ assignment: TaskAssignment) throws(DonorError) -> Bool {
        UInt64(try Self.bytes(of: assignment)) <= caps.diskPerTask(cores: cores)
    }
}
