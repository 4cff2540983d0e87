/// Where a coordinator of a grid sends a request that changes state.
enum WriteRoute {
    /// This coordinator leads (or there is no grid): handle it here.
    case here
    /// Forward it to the leading coordinator at this URL.
    case leader(String)
    /// No coordinator can take writes right now, for this reason.
    case unavailable(String)
}
