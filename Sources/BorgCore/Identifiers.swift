/// Row identifiers of the grid's entities. Plain integers: they are SQL row ids.
public typealias DonorID = Int64
public typealias HostID = Int64
public typealias ProjectID = Int64
public typealias BatchID = Int64
public typealias WorkUnitID = Int64
public typealias TaskID = Int64
