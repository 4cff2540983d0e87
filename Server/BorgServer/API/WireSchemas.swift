import BorgCore
import BorgEngine
import BorgProtocol

// How the wire types the recorder cannot read alone describe themselves (tagged unions, string enums), and
// the limits routes check beyond the Swift types, stated in the document with the constants the checks use.

extension TaskReport.Status: APIStringEnum {}
extension BatchStatus.State: APIStringEnum {}
extension TaskState: APIStringEnum {}
extension ValidateState: APIStringEnum {}
extension WorkUnitStatus: APIStringEnum {}

extension ValidatorKind: APISchemaProviding {
    static var apiSchema: JSONSchema {
        .object(["kind": .oneOf(["bitwise", "fuzzy"]), "relTol": JSONSchema.number(minimum: 0).orNull, "absTol": JSONSchema.number(minimum: 0).orNull],
                required: ["kind"])
    }
    static var apiPlaceholder: ValidatorKind { .bitwise }
}

extension CreditPolicy: APISchemaProviding {
    static var apiSchema: JSONSchema {
        var flops = JSONSchema.number(minimum: 0, maximum: CreditPolicy.maxFlopsPerWorkUnit)
        flops.exclusiveMaximum = true
        return .object(["kind": .oneOf(["fixed", "measured"]), "flopsPerWorkUnit": flops.orNull], required: ["kind"])
    }
    static var apiPlaceholder: CreditPolicy { .fixed(flopsPerWorkUnit: 0) }
}

/// A name people choose and others read (``DisplayName``).
private let displayName = JSONSchema.string(minLength: 1, maxLength: DisplayName.maxLength, pattern: DisplayName.pattern)

/// A name under ``Naming``'s rule (projects, platforms, work units, files).
private let namingRule = JSONSchema.string(minLength: 1, maxLength: 200, pattern: Naming.pattern)

extension CreateDonorRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("name", displayName)
        schema.constrain("email", .string(maxLength: 254, pattern: "^[ -~]*(?![\\s\\S])"))
    }
}

extension CreateTeamRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("name", displayName)
        schema.constrain("description", .string(maxLength: 2000))
    }
}

extension EnrollRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("cores", .integer(1...4096, format: "int32"))
        schema.constrain("name", .string(minLength: 1, maxLength: 200))
        schema.constrain("platforms", .array(of: namingRule, minItems: 1))
    }
}

extension CreateProjectRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("name", namingRule)
    }
}

extension AppVersionSpec: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("platform", namingRule)
        schema.constrain("sha256", .string(pattern: "^[0-9a-f]{64}(?![\\s\\S])"))
    }
}

extension ProjectPolicy: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        let limits = ProjectPolicy.Limits.self
        schema.constrain("quorum", .integer(1...Int64(limits.maxReplication), format: "int32"))
        schema.constrain("replication", .integer(1...Int64(limits.maxReplication), format: "int32"))
        schema.constrain("maxTotalTasks", .integer(1...Int64(limits.maxTotalTasks), format: "int32"))
        schema.constrain("maxErrorTasks", .integer(0...Int64(limits.maxErrorTasks), format: "int32"))
        schema.constrain("deadlineSeconds", .number(minimum: 1, maximum: limits.maxDeadlineSeconds))
        schema.constrain("maxInputBytes", .integer(1...Int64(limits.maxFileBytes), format: "int32"))
        schema.constrain("maxOutputBytes", .integer(1...Int64(limits.maxFileBytes), format: "int32"))
        schema.description = "quorum ≤ replication ≤ maxTotalTasks; collusionGuard needs quorum ≥ 2 and quorum < untrustedQuorum ≤ maxTotalTasks"
    }
}

extension PolicyOverride: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        ProjectPolicy.refine(&schema)
    }
}

extension CollusionGuard: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("trustThreshold", .integer(1...100_000, format: "int32"))
        schema.constrain("untrustedQuorum", .integer(3...Int64(ProjectPolicy.Limits.maxReplication), format: "int32"))
    }
}

extension AdaptiveReplicationPolicy: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("trustThreshold", .integer(1...100_000, format: "int32"))
        schema.constrain("spotCheckProbability", .number(minimum: 0, maximum: 1))
    }
}

extension WorkRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("maxTasks", .integer(0...Int64(APILimits.maxTasksPerRequest), format: "int32"))
    }
}

extension ReportRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        if let report = schema.properties?["reports"]?.items {
            schema.constrain("reports", .array(of: report, minItems: 1, maxItems: APILimits.maxTasksPerRequest))
        }
        schema.description = "each task at most once; each output name at most once per task"
    }
}

extension TaskReport: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("cpuSeconds", .number(minimum: 0))
        schema.constrain("measuredWork", .number(minimum: 0))
    }
}

extension ReportedOutput: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("name", namingRule)
        schema.constrain("size", .integer(0...Int64.max))
        schema.constrain("sha256", .string(pattern: "^[0-9a-f]{64}(?![\\s\\S])"))
    }
}

extension StorageRegistration: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("url", .string(maxLength: 512, pattern: "^https?://[A-Za-z0-9._-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?(?![\\s\\S])"))
        schema.constrain("capacityBytes", .integer(0...(1 << 50)))
        schema.constrain("usedBytes", .integer(0...(1 << 50)))
    }
}

extension CreateFileRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        schema.constrain("sealedName", .string(minLength: 1, maxLength: 4096))
        schema.constrain("size", .integer(0...(1 << 44)))
        schema.constrain("segmentSize", .integer(Int64(StoragePolicy.segmentSizes.lowerBound)...Int64(StoragePolicy.segmentSizes.upperBound),
                                                 format: "int32"))
        schema.constrain("redundancy", .string(pattern: "^[0-9]{1,3}\\+[0-9]{1,3}(?![\\s\\S])"))
    }
}

extension PieceInventory: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        // A segment below 10^7 (a file has at most APILimits.maxPiecesPerFile pieces), an index below 48.
        schema.constrain("pieces", .array(of: .string(maxLength: 80, pattern: "^[0-9a-f]{32}\\.(0|[1-9][0-9]{0,6})\\.(0|[1-9]|[1-3][0-9]|4[0-7])(?![\\s\\S])"),
                                          maxItems: PieceInventory.limit))
    }
}

extension RefillRequest: APISchemaRefining {
    static func refine(_ schema: inout JSONSchema) {
        if let host = schema.properties?["unreachable"]?.items {
            schema.constrain("unreachable", .array(of: host, maxItems: RefillRequest.unreachableLimit))
        }
        schema.description = "each segment at most once, with one digest (or null) per piece"
    }
}
