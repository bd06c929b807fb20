import NumaEngine
import ArgumentParser
import Foundation
import NumaCore
import NumaMM
import NumaTopology
import NumaWorkload

/// `numasim translate`: a virtual address to a physical one, as the kernel would compute it.
struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate a virtual address: the direct-map rule for kernel addresses, a page-table walk for user ones.",
        discussion: """
            A kernel address (x86-64: 0xffff800000000000 and up; i386: 0xc0000000 and up) is translated by \
            arithmetic, as __pa() does: the direct map (x - PAGE_OFFSET) or the kernel image \
            (x - __START_KERNEL_map + phys_base), with the i386 lowmem/highmem limits.

            A user address is walked through a page table, level by level: either one built from --map \
            VA=PFN pairs, or the page table of a process of a workload (-t, -w, --process; the process \
            needs `exit: false` so its memory is still mapped when the run ends).

            Examples:
              numasim translate 0xffff888012345678
              numasim translate --arch i386 0xc1234567
              numasim translate 0x7f1234567abc --map 0x7f1234567000=0x12345
              numasim translate 0x7fffadfae000 -t topologies/nehalem-2s-qemu.yaml -w workloads/process-first-touch-overflow.yaml --process oracle
            """)

    @Argument(help: "The virtual address (0x… hex or decimal).")
    var address: String

    @Option(help: "Paging mode when no topology is given: x86_64, i386 or i386-pae.")
    var arch: String?

    @Option(name: [.customShort("t"), .long], help: "Topology file: its architecture and RAM (max_pfn).")
    var topology: String?

    @Option(help: ArgumentHelp("RAM size for max_pfn without a topology (default 16GiB on x86_64, 4GiB on i386).", valueName: "SIZE"))
    var memory: String?

    @Option(name: .customLong("map"), help: ArgumentHelp("Map user page VA to frame PFN in a demo page table (repeatable).", valueName: "VA=PFN"))
    var maps: [String] = []

    @Option(name: [.customShort("w"), .long], help: "Workload whose process to walk (needs -t and --process).")
    var workload: String?

    @Option(help: "The process of the workload (its name).")
    var process: String?

    @Option(help: "Seed for the workload run.")
    var seed: UInt64 = 1

    @Flag(help: "Print JSON (numasim.walk/1 for walks, numasim.translate/1 for kernel addresses).")
    var json = false

    func run() throws {
        guard let va = Self.number(address) else {
            throw TranslateError("'\(address)' is not an address: expected hex (0x7f1234567000) or decimal digits")
        }
        var topo: Topology?
        var machine: BootedMachine?
        if let topology {
            (topo, machine) = try TopologyOptions.boot(path: topology)
        }
        let archValue: Arch
        if let arch {
            guard let a = Arch(rawValue: arch) else { throw TranslateError("--arch: expected x86_64, i386 or i386-pae, got '\(arch)'") }
            if let t = topo, t.arch != a { throw TranslateError("--arch \(arch) contradicts the topology's arch \(t.arch.rawValue)") }
            archValue = a
        } else {
            archValue = topo?.arch ?? .x86_64
        }
        if let t = topo, t.paging == .fiveLevel {
            throw TranslateError("\(topology ?? "the topology"): paging: 5-level is not modelled for address translation (4-level page tables only); drop -t or use a 4-level topology")
        }
        let mode = topo.map { PagingMode(arch: $0.arch, kernel: $0.kernel) } ?? PagingMode(arch: archValue)
        var maxPfn = machine?.layout.maxPfn ?? Int((archValue.is32Bit ? UInt64(4) << 30 : UInt64(16) << 30) >> 12)
        if let memory {
            guard machine == nil else { throw TranslateError("--memory: the topology already fixes the RAM size") }
            guard let bytes = ByteSize.parse(memory), bytes >= 4096 else { throw TranslateError("--memory: expected a size such as 4GiB, got '\(memory)'") }
            maxPfn = Int(bytes >> 12)
        }
        do { try mode.validate(va) } catch { throw TranslateError("\(error)") }

        if workload != nil || process != nil {
            guard maps.isEmpty else { throw TranslateError("give either --map or a workload (-w, --process), not both") }
            guard let workload, let process else { throw TranslateError("a workload walk needs both -w FILE and --process NAME") }
            guard let machine, let topo else { throw TranslateError("a workload walk needs the topology it runs on (-t FILE)") }
            let w = try Workload.load(path: workload, topology: topo)
            let r = try labellingWorkloadErrors(path: workload) { try DeterministicStress.run(machine: machine, workload: w, seed: seed) }
            guard let p = r.addressSpaces.process(named: process) else {
                let names = r.addressSpaces.processes.map(\.name)
                throw TranslateError("no process '\(process)' in \(workload)" + (names.isEmpty ? " (it has no processes: phases)" : " (processes: \(names.joined(separator: ", ")))"))
            }
            guard !p.exited else {
                throw TranslateError("process '\(process)' \(p.killed ? "was OOM-killed" : "exited at the end of its phase"); set `exit: false` on it to keep its address space")
            }
            return try walk(p.pageTable, va)
        }
        if !maps.isEmpty {
            var source = SequentialFrameSource(firstPfn: 0x1000)
            var table = try PageTable(mode: mode, cpu: 0, source: &source)
            for m in maps {
                let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let v = Self.number(parts[0]), let pfn = Self.number(parts[1]) else {
                    throw TranslateError("--map: expected VA=PFN such as 0x7f1234567000=0x12345, got '\(m)'")
                }
                guard pfn < UInt64(maxPfn) else {
                    throw TranslateError("--map \(m): pfn \(hexString(pfn)) is beyond max_pfn \(hexString(UInt64(maxPfn))) (no RAM there)")
                }
                guard v < mode.taskSize else { throw TranslateError("--map \(m): \(hexString(v)) is not a user address (TASK_SIZE \(hexString(mode.taskSize)))") }
                do {
                    try table.map(v, pfn: Int(pfn), flags: [.present, .rw, .user, .accessed, .dirty, .nx], cpu: 0, source: &source)
                } catch { throw TranslateError("--map \(m): \(error)") }
            }
            return try walk(table, va)
        }
        // A kernel address: the direct-map arithmetic.
        let dm = DirectMap(mode: mode, maxPfn: maxPfn)
        let t: KernelTranslation
        do { t = try dm.explain(va) } catch {
            if case .userAddress = error {
                throw TranslateError("\(error); give --map VA=PFN or a workload process (-t, -w, --process)")
            }
            throw TranslateError("\(error)")
        }
        if json {
            struct Out: Encodable { var schema = "numasim.translate/1"; var translation: KernelTranslation }
            try printJSON(Out(translation: t))
        } else {
            var out = "\(t.mode): kernel address \(t.virtualAddress) in \(t.region)\n"
            out += "\(t.rule)\n  = \(t.arithmetic)\n"
            out += "pfn \(hexString(UInt64(t.pfn)))" + (t.structPage.map { ", struct page at \($0) (virt_to_page)" } ?? "") + "\n"
            for n in t.notes { out += "note: \(n)\n" }
            emit(out)
        }
    }

    /// Prints the walk; an address that does not translate is an error (exit 1) after the walk.
    func walk(_ table: PageTable, _ va: UInt64) throws {
        let w: Walk
        do { w = try table.walk(va) } catch { throw TranslateError("\(error)") }
        if json { emit(try TranslationFormat.json(w)) } else { emit(TranslationFormat.text(w)) }
        if let level = w.faultLevel {
            FileHandle.standardError.write(Data("Error: \(hex64(va)) is not mapped: the \(level) entry is not present (a page fault)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func number(_ text: String) -> UInt64? {
        let s = text.replacingOccurrences(of: "_", with: "").lowercased()
        if s.hasPrefix("0x") { return s.count > 2 ? UInt64(s.dropFirst(2), radix: 16) : nil }
        return UInt64(s)
    }
}

/// A translation that cannot be done, said as a sentence (non-zero exit, no usage text).
struct TranslateError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
