import NumaReports

/// Shell completion of `stress --dump FILES` (swift-argument-parser's `CompletionKind.custom`,
/// asked by the script `numasim --generate-completion-script SHELL` installs): `--dump` takes a
/// comma-separated list, so the word being completed is the files already listed, a comma and
/// the start of one more; the candidates are that word completed with each file not listed yet.
extension StressCommand {
    /// Candidates for `prefix`, the part of the word before the cursor (`zoneinfo,bu` →
    /// `zoneinfo,buddyinfo`). The other two arguments (the command line's words and the index of
    /// the word completed) are not needed.
    @Sendable static func completeDump(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let parts = prefix.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let listed = Set(parts.dropLast())
        let head = parts.dropLast().map { $0 + "," }.joined()
        let start = parts.last ?? ""
        return StressDumps.files.filter { $0.hasPrefix(start) && !listed.contains($0) }.map { head + $0 }
    }
}
