/// A lifecycle event that does not apply to the work unit as it is.
public enum LifecycleError: Error, Equatable, CustomStringConvertible {
    case unknownTask(TaskID)
    case taskNotInProgress(TaskID, TaskState)
    case notAssignedToHost(TaskID)
    case donorAlreadyHasTask(WorkUnitID, DonorID)
    case workUnitNotActive(WorkUnitID, WorkUnitStatus)

    public var description: String {
        switch self {
        case .unknownTask(let id): return "task \(id) does not exist"
        case .taskNotInProgress(let id, let state): return "task \(id) is \(state.rawValue), not in progress"
        case .notAssignedToHost(let id): return "task \(id) was not given to this host"
        case .donorAlreadyHasTask(let wu, let donor): return "donor \(donor) already ran or runs a task of work unit \(wu)"
        case .workUnitNotActive(let wu, let status): return "work unit \(wu) is \(status.rawValue)"
        }
    }
}
