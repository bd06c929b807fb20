import Foundation
import NumaCore
import NumaTopology
import NumaWorkload

/// The machines the /proc readers and the workload reader are applied to: the QEMU machine of
/// the kernel sample `nehalem-2s` (the seeds' zoneinfo and pagetypeinfo are of it), and a small
/// machine of the same shape on which a workload's stress run stays short.
enum Base {
    /// The repository root, from this file's place in it (Fuzz/Sources/NumasimFuzz/).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ relative: String) -> String {
        let p = root.appendingPathComponent(relative).path
        guard let s = try? String(contentsOfFile: p, encoding: .utf8) else { fatalError("fuzz base file missing: \(p)") }
        return s
    }

    static let sample = "Tests/Fixtures/kernel-samples/nehalem-2s/"

    static let nehalem: Topology = {
        do { return try TopologyFile.parse(text("topologies/nehalem-2s-qemu.yaml"), file: "nehalem-2s-qemu.yaml") } catch {
            fatalError("base topology: \(error)")
        }
    }()

    static let nehalemWithZoneinfo: Topology = {
        var t = nehalem
        do { _ = try ZoneinfoImporter.apply(text: text(sample + "proc_zoneinfo.txt"), file: "proc_zoneinfo.txt", to: &t) } catch {
            fatalError("base zoneinfo: \(error)")
        }
        return t
    }()

    static let pagetypeinfoFile = "proc_pagetypeinfo.txt"
    static let nehalemPagetypeinfo = text(sample + pagetypeinfoFile)

    /// The workloads' machine: nehalem-2s's shape (2 nodes, CPUs 0-1 and 2-3, SLIT 10/21) with
    /// 64 MiB per node, so a stress run of a few ten thousand pages reclaims and falls back.
    static let workloadMachine: Topology = {
        let yaml = """
            name: fuzz-small-2s
            nodes:
              - {id: 0, cpus: "0-1", memory: 64MiB}
              - {id: 1, cpus: "2-3", memory: 64MiB}
            distances: [[10, 21], [21, 10]]
            """
        do { return try TopologyFile.parse(yaml, file: "fuzz-small-2s.yaml") } catch { fatalError("workload machine: \(error)") }
    }()

    static let workloadBooted: BootedMachine = {
        do { return try BootedMachine(topology: workloadMachine) } catch { fatalError("workload machine: \(error)") }
    }()
}
