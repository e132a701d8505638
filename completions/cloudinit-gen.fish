# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cloudinit_gen_global_optspecs
    string join \n out-dir= iso= vfat= oci tf-external proxmox-snippets= proxmox-storage= o/output= pretty h/help V/version
end

function __fish_cloudinit_gen_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cloudinit_gen_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cloudinit_gen_using_subcommand
    set -l cmd (__fish_cloudinit_gen_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l out-dir -d 'Write the seed files to DIR (DIR/<hostname>/ when there are several specs); files are replaced atomically and are mode 0600 when they hold password hashes. A seed file the new seed does not have (`network-config`, `vendor-data`) is removed; other files are left' -r -F
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l iso -d 'Write a NoCloud ISO 9660 image (Joliet and Rock Ridge, volume `cidata`); one spec only. The directory must exist' -r -F
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l vfat -d 'Write a NoCloud FAT image (label `cidata`); one spec only. The directory must exist' -r -F
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l proxmox-snippets -d 'Write Proxmox snippets <hostname>-user.yaml, -network.yaml and -meta.yaml to DIR (which must exist), for `qm set --cicustom`' -r -F
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l proxmox-storage -d 'The Proxmox storage that holds DIR, used in the printed `cicustom` value (a storage ID: a lower-case letter, then letters, digits, \'-\', \'_\' or \'.\', ending in a letter or digit)' -r
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -s o -l output -d 'Output format: JSON Lines records, or a table for people' -r -f -a "json\t'JSON Lines, one record per line (the default, whatever stdout is)'
table\t'Aligned columns, for a terminal'
csv\t'Comma-separated values with a header row'
markdown\t'A Markdown table, for a pull-request comment'"
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l oci -d 'Print OCI launch metadata (`user_data` gzipped and base64-encoded, `ssh_authorized_keys`: the spec\'s top-level keys, which cloud-init installs for the default user; none with `"default_user": false`) and check it against the 32,000-byte metadata limit'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l tf-external -d 'Print the flat string map the OpenTofu/Terraform `external` data source expects, for one spec: a file operand, or the query on standard input as `{"spec": "<JSON spec>"}`. With --oci, the map also holds `oci_user_data` and `oci_metadata_bytes`, and the run exits 1 (failing the plan) when the metadata is over OCI\'s limit'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -l pretty -d 'Indent JSON records (no longer one record per line)'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -s V -l version -d 'Print version'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -a "lint" -d 'Check existing seeds: directories, ISO 9660 or FAT images, or OCI metadata JSON. Every MIME part is checked as what cloud-init takes it for; cloud-config keys against cloud-init\'s schema; scripts with `-n` of the shell they name and `runcmd`/`bootcmd` with `sh -n` (syntax only, nothing runs); unquoted values that cloud-init\'s YAML 1.1 reader takes for booleans or numbers (`yes`, `on`, `1.10`) where it wants a string; tabs that reader refuses; network-config values (addresses, prefixes, gateways, MACs, keys, types, booleans); `users` and merge rules as the parts merge. Prints one `finding` record per problem and a `summary`; exits 1 when there are findings'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_using_subcommand lint" -s o -l output -d 'Output format: JSON Lines records, or a table for people' -r -f -a "json\t'JSON Lines, one record per line (the default, whatever stdout is)'
table\t'Aligned columns, for a terminal'
csv\t'Comma-separated values with a header row'
markdown\t'A Markdown table, for a pull-request comment'"
complete -c cloudinit-gen -n "__fish_cloudinit_gen_using_subcommand lint" -l pretty -d 'Indent JSON records (no longer one record per line)'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_using_subcommand help; and not __fish_seen_subcommand_from lint help" -f -a "lint" -d 'Check existing seeds: directories, ISO 9660 or FAT images, or OCI metadata JSON. Every MIME part is checked as what cloud-init takes it for; cloud-config keys against cloud-init\'s schema; scripts with `-n` of the shell they name and `runcmd`/`bootcmd` with `sh -n` (syntax only, nothing runs); unquoted values that cloud-init\'s YAML 1.1 reader takes for booleans or numbers (`yes`, `on`, `1.10`) where it wants a string; tabs that reader refuses; network-config values (addresses, prefixes, gateways, MACs, keys, types, booleans); `users` and merge rules as the parts merge. Prints one `finding` record per problem and a `summary`; exits 1 when there are findings'
complete -c cloudinit-gen -n "__fish_cloudinit_gen_using_subcommand help; and not __fish_seen_subcommand_from lint help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
