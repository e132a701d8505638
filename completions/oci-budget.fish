complete -c oci-budget -s o -l output -d 'Output format: JSON Lines records, or a table for people' -r -f -a "json\t'JSON Lines, one record per line (the default, whatever stdout is)'
table\t'Aligned columns, for a terminal'
csv\t'Comma-separated values with a header row'
markdown\t'A Markdown table, for a pull-request comment'"
complete -c oci-budget -l pretty -d 'Indent JSON records (no longer one record per line)'
complete -c oci-budget -s h -l help -d 'Print help (see more with \'--help\')'
complete -c oci-budget -s V -l version -d 'Print version'
