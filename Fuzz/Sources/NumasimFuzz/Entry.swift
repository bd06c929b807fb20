/// One input to the reader `FUZZ_TARGET` names (docs/fuzzing.md). A trap (fatalError, a Swift
/// runtime trap, an ASan report) is a finding; a thrown, well-labelled error is a clean refusal.
/// Also exported as `LLVMFuzzerTestOneInput`, libFuzzer's name for it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let target = FuzzTarget.current
    guard size <= target.maxInputBytes else { return -1 }  // -1: not added to the corpus
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    Oracle.inputHash = Oracle.hash(bytes)
    target.run(bytes)
    return 0
}
