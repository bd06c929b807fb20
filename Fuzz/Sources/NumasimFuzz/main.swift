import Foundation

// SwiftPM links an executable's `main` to its own entry point, so libFuzzer's `main` is not used:
// this one hands the command line to libFuzzer's driver (LLVMFuzzerRunDriver, LLVM ≥ 12) with
// the test function below. Flags and corpus directories are libFuzzer's (docs/fuzzing.md).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
