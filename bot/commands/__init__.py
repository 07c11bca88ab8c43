"""The command contract (COMMANDS.md) as data: names, options, who may, and the handler to call.

Every transport parses its platform's input into `Actor` + plain options and calls `run_command`
or `run_click`; handlers call one service and render the reply in the caller's locale.
"""
