import Foundation

extension NumasimBinary {
    /// Runs numasim with `input` on its standard input (for `-` paths), stdout and stderr apart.
    public static func run(_ args: [String], stdin input: String) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = url
        p.arguments = args
        p.currentDirectoryURL = root
        let inPipe = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = inPipe
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errData = UnsafeSendableBox(Data())
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async { errData.value = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData.value, as: UTF8.self))
    }
}
