import ArgumentParser
import Foundation
import NumaTopology

extension TopologyCommand {
    /// `numasim topology generate`: a synthetic machine of up to MAX_NUMNODES nodes.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a synthetic topology of N identical nodes (up to MAX_NUMNODES = 1024).",
            discussion: """
                For scale work: boot, zonelists and sweeps on machines larger than any sample. \
                Every node gets --cpus-per-node CPUs (numbered densely, CPU-less nodes skipped) and \
                --memory-per-node of RAM, laid out one after another from address 0. The SLIT:
                  ring       10 + hop × hops around a ring (the shorter way)
                  mesh       10 + hop × Manhattan hops on a ⌈√N⌉-wide square mesh
                  two-level  --near inside groups of --group-size consecutive nodes, --far across
                Entries saturate at 255 (the SLIT is a u8 table).

                Example: numasim topology generate --nodes 1024 --cpus-per-node 2 --memory-per-node 1GiB -o big.yaml
                """)

        @Option(help: "Number of nodes (1…1024).")
        var nodes: Int

        @Option(help: "CPUs per node.")
        var cpusPerNode: Int = 1

        @Option(help: ArgumentHelp("RAM per node, e.g. 4GiB or 1TiB.", valueName: "SIZE"))
        var memoryPerNode: String

        @Option(help: ArgumentHelp("Distance model: ring, mesh or two-level.", valueName: "MODEL"),
                completion: .list(TopologyGenerator.DistanceModel.allCases.map(\.rawValue)))
        var distance: String = "two-level"

        @Option(help: "Distance per hop (ring, mesh).")
        var hop: Int = 10

        @Option(help: "Nodes per group (two-level).")
        var groupSize: Int = 4

        @Option(help: "Distance inside a group (two-level).")
        var near: Int = 12

        @Option(help: "Distance across groups (two-level).")
        var far: Int = 32

        @Option(help: ArgumentHelp("Nodes without CPUs (memory-only), as a list such as 3,7-8.", valueName: "NODES"))
        var cpuless: String?

        @Option(help: "Name of the machine.")
        var name: String?

        @Option(help: ArgumentHelp("x86-64 paging: 4-level (physical memory up to 2^46 bytes) or 5-level (LA57, up to 2^52).", valueName: "LEVELS"),
                completion: .list(["4-level", "5-level"]))
        var paging: String = "4-level"

        @Option(name: [.customShort("o"), .long], help: "Output file (default: standard output).",
                completion: .file(extensions: ["yaml", "yml"]))
        var output: String?

        func run() throws {
            guard let bytes = ByteSize.parse(memoryPerNode) else {
                throw ValidationError("--memory-per-node: expected a size such as 4GiB, got '\(memoryPerNode)'")
            }
            guard let model = TopologyGenerator.DistanceModel(rawValue: distance) else {
                throw ValidationError("--distance: expected one of \(TopologyGenerator.DistanceModel.allCases.map(\.rawValue).joined(separator: ", ")), got '\(distance)'")
            }
            guard let levels = Paging(rawValue: paging) else {
                throw ValidationError("--paging: expected 4-level or 5-level, got '\(paging)'")
            }
            var g = TopologyGenerator(nodes: nodes, cpusPerNode: cpusPerNode, memoryPerNode: bytes, distance: model)
            g.paging = levels
            g.hop = hop
            g.groupSize = groupSize
            g.near = near
            g.far = far
            g.name = name
            if let cpuless {
                do { g.cpulessNodes = Set(try CPUList.parse(cpuless).members) } catch {
                    throw ValidationError("--cpuless: \(error.description)")
                }
            }
            let t = try g.topology()
            // What a topology file must satisfy (e.g. some node needs CPUs), before writing one.
            try InputError.labelling(file: output ?? "<generated>") { try TopologyValidator.validate(t) }
            let yaml = TopologyWriter.yaml(t)
            if let output {
                do { try yaml.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                    throw RuntimeError("-o \(output): cannot write the file (\(error.localizedDescription))")
                }
            } else {
                emit(yaml)
            }
        }
    }
}
