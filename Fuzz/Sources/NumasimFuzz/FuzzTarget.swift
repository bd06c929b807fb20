import Foundation
import NumaCore
import NumaTopology
import NumaWorkload

/// The readers under fuzz, one per input format. Every target feeds the input to the reader the
/// command line uses for that format, called the way the command line calls it, then checks
/// what came back (`Oracle`): an error must name the input file and a line or key; an accepted
/// machine must boot or be refused with such an error, and a small one must keep the
/// allocator's invariants through a short deterministic stress run.
enum FuzzTarget: String, CaseIterable {
    case topology, workload, sysfs, numactl, hwloc, zoneinfo, pagetypeinfo, buddyinfo, vmstat, trace

    /// `FUZZ_TARGET`, read once.
    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
            let all = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("FUZZ_TARGET: expected one of \(all), got '\(name)'\n".utf8))
            exit(2)
        }
        return t
    }()

    /// The file name each reader is told it reads (the name its errors must carry).
    var fileName: String {
        switch self {
        case .topology: "fuzz-topology.yaml"
        case .workload: "fuzz-workload.yaml"
        case .sysfs: Sysfs.root
        case .numactl: "fuzz-numactl.txt"
        case .hwloc: "fuzz-hwloc.xml"
        case .zoneinfo: "fuzz-zoneinfo"
        case .pagetypeinfo: "fuzz-pagetypeinfo"
        case .buddyinfo: "fuzz-buddyinfo"
        case .vmstat: Scratch.path("fuzz-vmstat")
        case .trace: "fuzz-trace.txt"
        }
    }

    /// Larger inputs are skipped: every shipped file fits, and a bound keeps runs fast.
    var maxInputBytes: Int { self == .sysfs ? 1 << 18 : 1 << 16 }

    func run(_ bytes: [UInt8]) {
        // The command line reads files as UTF-8 (InputText); other bytes are its refusal, not ours.
        if self == .sysfs { Sysfs.run(bytes); return }
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let file = fileName
        switch self {
        case .topology, .numactl:
            Oracle.expectLabelled(file: file) {
                let t = try self == .topology ? TopologyFile.parse(text, file: file) : NumactlImporter.parse(text, file: file)
                try Oracle.bootAndStress(t, file: file)
            }
        case .hwloc:
            Oracle.expectLabelled(file: file) {
                var warnings: [InputWarning] = []
                let t = try HwlocImporter.parse(text, file: file, warnings: &warnings)
                try Oracle.bootAndStress(t, file: file)
            }
        case .workload:
            Oracle.expectLabelled(file: file) {
                let w = try Workload.parse(text, file: file, topology: Base.workloadMachine)
                try Oracle.stress(Base.workloadBooted, workload: w, workloadFile: file, workloadText: text)
            }
        case .zoneinfo:
            Oracle.expectLabelled(file: file) {
                var t = Base.nehalem
                let lines = try ZoneinfoImporter.apply(text: text, file: file, to: &t)
                try Oracle.bootAndStress(t, file: file, zoneinfoLines: lines)
            }
        case .pagetypeinfo:
            Oracle.expectLabelled(file: file) {
                var t = Base.nehalemWithZoneinfo
                var warnings: [InputWarning] = []
                try PagetypeinfoImporter.apply(text: text, file: file, to: &t, buddyinfo: nil, buddyinfoFile: nil,
                                               warnings: &warnings)
                try Oracle.bootAndStress(t, file: file, pagetypeinfo: file)
            }
        case .buddyinfo:
            Oracle.expectLabelled(file: file) {
                var warnings: [InputWarning] = []
                let buddy = try BuddyinfoImporter.parse(text: text, file: file)
                try BuddyinfoImporter.check(buddy, file: file, against: Base.nehalemWithZoneinfo, warnings: &warnings)
                // And as the exact counts behind the sample's pagetypeinfo.
                var t = Base.nehalemWithZoneinfo
                try PagetypeinfoImporter.apply(text: Base.nehalemPagetypeinfo, file: Base.pagetypeinfoFile, to: &t,
                                               buddyinfo: buddy, buddyinfoFile: file, warnings: &warnings)
            }
        case .vmstat:
            Oracle.expectLabelled(file: file) {
                var warnings: [InputWarning] = []
                let path = Scratch.write(text, to: file)
                try VmstatImporter.check(path: path, against: Base.nehalemWithZoneinfo, warnings: &warnings)
            }
        case .trace:
            TraceFuzz.run(text, file: file)
        case .sysfs:
            break
        }
    }
}
