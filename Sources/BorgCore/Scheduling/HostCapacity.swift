/// How much work a host may hold at once: what its cores run plus a small buffer, so one host cannot
/// hoard a grid's work units (the donor client asks for no more than this).
public enum HostCapacity {
    /// Most tasks in progress on a host of `cores` cores.
    public static func maxTasksInProgress(cores: Int) -> Int { max(1, cores) + 2 }
}
