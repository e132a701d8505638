# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_oci_budget_global_optspecs
    string join \n baseline= as-of= limits= hours-per-month= account= home-region= chdir= allow-unknown o/output= pretty h/help V/version
end

function __fish_oci_budget_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_oci_budget_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_oci_budget_using_subcommand
    set -l cmd (__fish_oci_budget_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c oci-budget -n "__fish_oci_budget_needs_command" -l baseline -d 'A state (`tofu show -json`) of what exists now. With a plan it stands in for the plan\'s `prior_state`: its resources that the plan does not list (all but the targets of a `-target` plan) still count. With states or listings, they are compared against it' -r -F
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l as-of -d 'Apply the limits in force on this day (YYYY-MM-DD); default: today (UTC)' -r
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l limits -d 'Read the limits and prices from this file instead of the embedded data (same schema, `oci-budget-limits/v1`)' -r -F
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l hours-per-month -d 'Hours in the month A1 usage is counted for (744 is a 31-day month, the worst case)' -r
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l account -d 'The kind of tenancy: `free` (Always Free only) or `paid` (pay-as-you-go or trial)' -r -f -a "free\t'An Always Free tenancy (no trial credits, not upgraded)'
paid\t'A paid (pay-as-you-go) or trial tenancy, which keeps the Always Free allowances'"
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l home-region -d 'The tenancy\'s home region, as an identifier (`eu-frankfurt-1`) or a region key (`FRA`): resources elsewhere are billed. Resources name their region by identifier, key or availability domain (`Uocm:US-ASHBURN-AD-1`); one not recognised makes the answer unknown' -r
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l chdir -d 'The directory OpenTofu ran in (as its -chdir): an object uploaded from a file (`source = "path"`) is sized by reading that file, relative paths from here; default: the current directory' -r -F
complete -c oci-budget -n "__fish_oci_budget_needs_command" -s o -l output -d 'Output format: JSON Lines records, or a table for people' -r -f -a "json\t'JSON Lines, one record per line (the default, whatever stdout is)'
table\t'Aligned columns, for a terminal'
csv\t'Comma-separated values with a header row'
markdown\t'A Markdown table, for a pull-request comment'"
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l allow-unknown -d 'Exit 0 when nothing is over even if some usage is unknown until apply'
complete -c oci-budget -n "__fish_oci_budget_needs_command" -l pretty -d 'Indent JSON records (no longer one record per line)'
complete -c oci-budget -n "__fish_oci_budget_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oci-budget -n "__fish_oci_budget_needs_command" -s V -l version -d 'Print version'
complete -c oci-budget -n "__fish_oci_budget_needs_command" -a "diff" -d 'Compare the budget of two plans, states or listings line by line and resource by resource, with NEW\'s findings; NEW\'s verdict decides the exit status'
complete -c oci-budget -n "__fish_oci_budget_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l as-of -d 'Apply the limits in force on this day (YYYY-MM-DD); default: today (UTC)' -r
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l limits -d 'Read the limits and prices from this file instead of the embedded data (same schema, `oci-budget-limits/v1`)' -r -F
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l hours-per-month -d 'Hours in the month A1 usage is counted for (744 is a 31-day month, the worst case)' -r
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l account -d 'The kind of tenancy: `free` (Always Free only) or `paid` (pay-as-you-go or trial)' -r -f -a "free\t'An Always Free tenancy (no trial credits, not upgraded)'
paid\t'A paid (pay-as-you-go) or trial tenancy, which keeps the Always Free allowances'"
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l home-region -d 'The tenancy\'s home region, as an identifier (`eu-frankfurt-1`) or a region key (`FRA`): resources elsewhere are billed. Resources name their region by identifier, key or availability domain (`Uocm:US-ASHBURN-AD-1`); one not recognised makes the answer unknown' -r
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l chdir -d 'The directory OpenTofu ran in (as its -chdir): an object uploaded from a file (`source = "path"`) is sized by reading that file, relative paths from here; default: the current directory' -r -F
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -s o -l output -d 'Output format: JSON Lines records, or a table for people' -r -f -a "json\t'JSON Lines, one record per line (the default, whatever stdout is)'
table\t'Aligned columns, for a terminal'
csv\t'Comma-separated values with a header row'
markdown\t'A Markdown table, for a pull-request comment'"
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l allow-unknown -d 'Exit 0 when nothing is over even if some usage is unknown until apply'
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -l pretty -d 'Indent JSON records (no longer one record per line)'
complete -c oci-budget -n "__fish_oci_budget_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oci-budget -n "__fish_oci_budget_using_subcommand help; and not __fish_seen_subcommand_from diff help" -f -a "diff" -d 'Compare the budget of two plans, states or listings line by line and resource by resource, with NEW\'s findings; NEW\'s verdict decides the exit status'
complete -c oci-budget -n "__fish_oci_budget_using_subcommand help; and not __fish_seen_subcommand_from diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
