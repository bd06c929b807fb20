import Glibc

/// Host address space reserved but not committed: an anonymous private mapping made with
/// `MAP_NORESERVE`, whose pages the host kernel supplies zero-filled on first write, so resident
/// memory follows what numasim writes. The page records (`PageRecordStorage`) and the pageblock
/// migratetypes (`PageblockTypes`) live in such mappings, as SPARSEMEM's `mem_map` and
/// `usemap` exist only where a section has memory.
enum ReservedAddressSpace {
    /// The host's page size: the unit in which a mapping's memory is committed.
    static let hostPage = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Reserves `bytes` (zero-filled when read); `what` names the contents in the error if the
    /// host refuses. `hugePages: false` asks the host to commit base pages only
    /// (`MADV_NOHUGEPAGE`), so a write commits one host page even where transparent huge pages
    /// are always on.
    static func reserve(_ bytes: Int, for what: @autoclosure () -> String, hugePages: Bool = true) -> UnsafeMutableRawPointer {
        let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else {
            let reason = String(cString: strerror(errno))
            fatalError("numasim: cannot reserve \(bytes >> 20) MiB of address space for \(what()): \(reason)")
        }
        if !hugePages { _ = madvise(p, bytes, MADV_NOHUGEPAGE) }
        return p
    }

    static func release(_ p: UnsafeMutableRawPointer, _ bytes: Int) { munmap(p, bytes) }
}
