import Foundation
import NumaTopology

/// The /proc files of one moment of a real machine that `topology import` records: zoneinfo,
/// pagetypeinfo, buddyinfo, vmstat — given one by one or found in a `--proc DIR`
/// (docs/import-sources.md). A file given by option wins over the directory's.
struct ProcFiles {
    var zoneinfo: String?
    var pagetypeinfo: String?
    var buddyinfo: String?
    var vmstat: String?

    init(proc: String?, zoneinfo: String?, pagetypeinfo: String?, buddyinfo: String?, vmstat: String?) throws {
        self.zoneinfo = zoneinfo; self.pagetypeinfo = pagetypeinfo; self.buddyinfo = buddyinfo; self.vmstat = vmstat
        guard let proc else { return }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: proc, isDirectory: &isDir), isDir.boolValue else {
            throw InputError(file: proc, "not a directory; expected a directory holding copies of /proc files (zoneinfo, pagetypeinfo, buddyinfo, vmstat)")
        }
        func find(_ name: String) -> String? {
            for candidate in [name, "\(name).txt", "proc_\(name).txt"] {
                let path = (proc as NSString).appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
            return nil
        }
        self.zoneinfo = zoneinfo ?? find("zoneinfo")
        self.pagetypeinfo = pagetypeinfo ?? find("pagetypeinfo")
        self.buddyinfo = buddyinfo ?? find("buddyinfo")
        self.vmstat = vmstat ?? find("vmstat")
        guard self.zoneinfo != nil || self.pagetypeinfo != nil || self.buddyinfo != nil || self.vmstat != nil else {
            throw InputError(file: proc, "none of zoneinfo, pagetypeinfo, buddyinfo, vmstat (or NAME.txt, proc_NAME.txt) in this directory; expected copies of those /proc files")
        }
    }

    /// Records the files in `t`: zoneinfo first, then pagetypeinfo's layout (with buddyinfo for
    /// capped counts), then the cross-checks. Returns where zoneinfo recorded each zone.
    func apply(to t: inout Topology, warnings: inout [InputWarning]) throws -> ZoneinfoLines? {
        var lines: ZoneinfoLines?
        if let zoneinfo { lines = try ZoneinfoImporter.apply(path: zoneinfo, to: &t) }
        let buddy = try buddyinfo.map { try BuddyinfoImporter.parse(path: $0) }
        if let pagetypeinfo {
            try PagetypeinfoImporter.apply(path: pagetypeinfo, to: &t, buddyinfo: buddy, buddyinfoFile: buddyinfo, warnings: &warnings)
        } else if let buddy, let buddyinfo {
            try BuddyinfoImporter.check(buddy, file: buddyinfo, against: t, warnings: &warnings)
        }
        if let vmstat { try VmstatImporter.check(path: vmstat, against: t, warnings: &warnings) }
        return lines
    }
}
