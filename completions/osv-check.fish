complete -c osv-check -l offline -d 'Match offline against OSV records under DIR (`<Ecosystem>/all.zip` or `*.json` files, any depth); the index of each archive is cached, keyed by its content. The version orders known offline: SemVer (npm, Rust crates, Go, Hex and kin), PyPI, Debian and Ubuntu, Alpine and kin, the RPM distributions, Maven, RubyGems, NuGet, Packagist, Pub, Hackage, CRAN and Bioconductor. A package of another ecosystem, one whose ecosystem the copy holds no records for, and every Git commit are listed as unscanned' -r -F
complete -c osv-check -l api-url -d 'The OSV API root [env: OSV_CHECK_API_URL] [default: https://api.osv.dev]' -r
complete -c osv-check -l timeout -d 'Time limit of one API request, in seconds' -r
complete -c osv-check -l retries -d 'How many times a failed API request (network error, 429, 5xx) is retried' -r
complete -c osv-check -l retry-delay -d 'The first retry delay in milliseconds; it doubles each attempt, plus random jitter' -r
complete -c osv-check -l fail-on -d 'Fail (exit 1) only for findings rated at least this; findings without a severity always fail. Default: any finding fails' -r -f -a "low\t'CVSS 0.1 and up'
medium\t'CVSS 4.0 and up'
high\t'CVSS 7.0 and up'
critical\t'CVSS 9.0 and up'"
complete -c osv-check -l ignore -d 'Ignore rules in osv-scanner.toml form ([[IgnoredVulns]], [[PackageOverrides]])' -r -F
complete -c osv-check -s o -l output -d 'Output format' -r -f -a "json\t'JSON Lines records (the default, whatever stdout is)'
table\t'Aligned columns, for a terminal'
csv\t'Comma-separated values with a header row'
markdown\t'A Markdown table, for a pull-request comment'
sarif\t'SARIF 2.1.0, for code-scanning upload'"
complete -c osv-check -l pretty -d 'Indent JSON records (no longer one record per line)'
complete -c osv-check -s h -l help -d 'Print help (see more with \'--help\')'
complete -c osv-check -s V -l version -d 'Print version'
