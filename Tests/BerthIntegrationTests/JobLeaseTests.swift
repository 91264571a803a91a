import BerthMetadata
import Foundation
import Testing

/// The leases that keep background jobs to one node and one run per
/// scheduled time, on whichever database the suite runs on.
@Suite("Job leases")
struct JobLeaseTests {
    @Test func oneHolderOneRunPerSlotAndTakeoverAfterADeath() async throws {
        let folder = TestRegistry.temporaryFolder()
        let registry = try await TestRegistry.start(dataFolder: folder)  // creates the schema
        let stores = try await SQLStores.open(backend: try await TestBackends.openBackend(folder))
        let store = stores.jobs
        let slot = Date(timeIntervalSince1970: 1_800_000_000)
        let later = Date().addingTimeInterval(60)

        #expect(try await store.acquireLease(job: "gc/", holder: "a", slot: slot, expires: later) == .acquired)
        #expect(try await store.acquireLease(job: "gc/", holder: "b", slot: slot, expires: later) == .heldElsewhere)
        // "a" dies without releasing; once its lease expires "b" takes the same slot over.
        try await store.renewLease(job: "gc/", holder: "a", expires: Date().addingTimeInterval(-1))
        #expect(try await store.acquireLease(job: "gc/", holder: "b", slot: slot, expires: later) == .acquired)
        try await store.releaseLease(job: "gc/", holder: "b")
        // Done for that slot: nobody runs it again; the next slot is free.
        #expect(try await store.acquireLease(job: "gc/", holder: "c", slot: slot, expires: later) == .done)
        #expect(try await store.acquireLease(job: "gc/", holder: "c", slot: slot.addingTimeInterval(60), expires: later) == .acquired)
        // Other jobs are independent.
        #expect(try await store.acquireLease(job: "retention/team", holder: "a", slot: slot, expires: later) == .acquired)
        try await stores.close()
        try await registry.stop()
    }
}
