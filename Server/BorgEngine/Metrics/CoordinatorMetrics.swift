import Prometheus

/// Prometheus metrics of one coordinator, served at `/metrics`.
public final class CoordinatorMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let tasksDispatched: Counter
    public let tasksResent: Counter
    public let tasksReported: Counter
    public let tasksValid: Counter
    public let tasksInvalid: Counter
    public let workUnitsFinished: Counter
    public let queueDepth: Gauge
    public let workUnitsPurged: Counter
    public let blobsCollected: Counter
    /// The database's size and the part of it free for reuse, as of the last retention pass.
    public let databaseBytes: Gauge
    public let databaseFreeBytes: Gauge
    /// Recorded by the HTTP edge.
    public let requestLatency: DurationHistogram

    public init() {
        tasksDispatched = registry.makeCounter(name: "borg_tasks_dispatched_total", help: "Tasks sent to hosts")
        tasksResent = registry.makeCounter(name: "borg_tasks_resent_total", help: "Tasks sent again to hosts that lost them")
        tasksReported = registry.makeCounter(name: "borg_tasks_reported_total", help: "Task reports accepted")
        tasksValid = registry.makeCounter(name: "borg_tasks_validated_total", labels: [("result", "valid")], help: "Tasks validated")
        tasksInvalid = registry.makeCounter(name: "borg_tasks_validated_total", labels: [("result", "invalid")], help: "Tasks validated")
        workUnitsFinished = registry.makeCounter(name: "borg_work_units_finished_total", help: "Work units that left the active state")
        queueDepth = registry.makeGauge(name: "borg_ready_queue_depth", help: "Unsent tasks waiting in the ready queues")
        workUnitsPurged = registry.makeCounter(name: "borg_work_units_purged_total", help: "Work units purged with their tasks")
        blobsCollected = registry.makeCounter(name: "borg_blobs_collected_total", help: "Unreferenced blobs deleted")
        databaseBytes = registry.makeGauge(name: "borg_database_bytes", help: "Size of the database (pages × page size)")
        databaseFreeBytes = registry.makeGauge(name: "borg_database_free_bytes", help: "Database pages free for reuse, in bytes")
        requestLatency = registry.makeDurationHistogram(
            name: "borg_http_request_duration_seconds",
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50),
                      .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5)],
            help: "HTTP request latency")
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
