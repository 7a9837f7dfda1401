import ArgumentParser
import Foundation

/// Runs one command line: `--json` taken out wherever it is, errors printed as `psync: <message>` with exit status 1.
enum Invocation {
    static func run(_ arguments: [String]) async {
        let json = arguments.contains("--json")
        let rest = arguments.filter { $0 != "--json" }
        await Console.$json.withValue(json) {
            do {
                var command = try AdminCLIMain.parseAsRoot(rest)
                if var asynchronous = command as? any AsyncParsableCommand {
                    try await asynchronous.run()
                } else {
                    try command.run()
                }
            } catch let error as CLIError {
                Console.error("psync: \(error.message)")
                exit(1)
            } catch let error as ExitCode {
                exit(error.rawValue)
            } catch {
                AdminCLIMain.exit(withError: error)
            }
        }
    }
}
