public import ArgumentParser
public import Contracts

// The contracts' enums as command-line values (`--status reauth_required`, `--misfire skip`).
extension AccountStatus: ExpressibleByArgument {}
extension RunStatus: ExpressibleByArgument {}
extension MisfirePolicy: ExpressibleByArgument {}
