// Package programs is the registry: the programs this build of Tributary
// runs. The HTTP API, the Go client, the command line and the OpenAPI
// document are built by looping over it, so adding a program is a folder
// under program/ and one row here.
package programs

import (
	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/program/collection/collectioncli"
	"github.com/tributary-ledger/tributary/program/deps"
	"github.com/tributary-ledger/tributary/program/deps/depscli"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/program/feeshare/feesharecli"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/program/market/marketcli"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/program/payout/payoutcli"
	"github.com/tributary-ledger/tributary/program/schedule"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/program/usage/usagecli"
)

// Deps are what some programs need from outside: the server passes them
// in, and the programs' routes see them through interfaces of their own.
type Deps struct {
	// FeeshareChain is the chain the fee-share program follows; nil when
	// the server follows none.
	FeeshareChain feeshare.ChainClient
}

// Program is one row of the registry.
type Program struct {
	// Module builds the program's module with what it needs from outside.
	Module func(Deps) program.Module
	// Commands makes its command line, if it has one.
	Commands func() cli.Commands
}

// All lists this build's programs, in the order their routes are
// documented.
var All = []Program{
	{Module: func(Deps) program.Module { return splitbook.Module() }},
	{Module: func(Deps) program.Module { return market.Module() }, Commands: marketcli.Commands},
	{Module: func(Deps) program.Module { return collection.Module() }, Commands: collectioncli.Commands},
	{Module: func(Deps) program.Module { return usage.Module() }, Commands: usagecli.Commands},
	{Module: func(d Deps) program.Module { return feeshare.Module(d.FeeshareChain) }, Commands: feesharecli.Commands},
	{Module: func(Deps) program.Module { return payout.Module() }, Commands: payoutcli.Commands},
	{Module: func(Deps) program.Module { return deps.Module() }, Commands: depscli.Commands},
}

// Modules returns every program's module, then the schedules' module,
// which may name any of their write routes.
func Modules(d Deps) []program.Module {
	out := make([]program.Module, len(All), len(All)+1)
	writes := map[string]string{}
	for i, p := range All {
		out[i] = p.Module(d)
		for _, rt := range out[i].Routes {
			if rt.Handler.Write {
				writes[rt.ID] = rt.Path
			}
		}
	}
	return append(out, schedule.Module(writes))
}
