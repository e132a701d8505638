# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_closure_layers_global_optspecs
    string join \n root= fleet a/algorithm= pipeline= max-layers= from-image-layers= exclude= o/output= pretty h/help V/version
end

function __fish_closure_layers_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_closure_layers_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_closure_layers_using_subcommand
    set -l cmd (__fish_closure_layers_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c closure-layers -n "__fish_closure_layers_needs_command" -l root -d 'Lay out only the closure of this store path (repeatable); default: every path of the input' -r
complete -c closure-layers -n "__fish_closure_layers_needs_command" -s a -l algorithm -d 'The layering algorithm, `auto` unless given: `auto` is nixpkgs\' default (auto-layer.py), `popularity` the popularity contest used until late 2024 (closure-graph.py). `diff` compares both unless this is given. Not with --pipeline' -r -f -a "auto\t'Size cohorts (nixpkgs `auto-layer.py`, the default since late 2024)'
popularity\t'Popularity contest with the `maxLayers` split (nixpkgs `closure-graph.py`)'"
complete -c closure-layers -n "__fish_closure_layers_needs_command" -l pipeline -d 'A `layeringPipeline` as JSON text or a JSON file, e.g. \'[["popularity_contest"],["limit_layers",99]]\', instead of --algorithm. Like nixpkgs, a pipeline ignores --max-layers and --from-image-layers: its own steps (`limit_layers`) bound the number of layers, and the summary\'s `max_layers`, `from_image_layers` and `available_layers` are null' -r
complete -c closure-layers -n "__fish_closure_layers_needs_command" -l max-layers -d '`maxLayers` of the image: every layer counts, the customisation layer and the base image\'s too' -r
complete -c closure-layers -n "__fish_closure_layers_needs_command" -l from-image-layers -d 'The number of layers of `fromImage`, which use up the budget' -r
complete -c closure-layers -n "__fish_closure_layers_needs_command" -l exclude -d 'A store path to leave out of the layers (repeatable), like the image config and customisation layer nixpkgs excludes. To reproduce a built image exactly, give the graph nixpkgs builds (the closure of the image\'s config JSON and customisation layer) and exclude those two paths: they count toward the budget while layers are chosen. A path that is not in the graph is ignored, as nixpkgs ignores it, with a warning' -r
complete -c closure-layers -n "__fish_closure_layers_needs_command" -s o -l output -d 'Output format: JSON Lines records, a table for people, or `nix` for the list of lists of store paths that `streamLayeredImage` reads as `store_layers` (a layering or --fleet only: `diff` and `share` have no layers to list). `share` prints three tables (the images, the pairs, the totals) and --fleet two (the layers, the totals), an empty line between two' -r -f -a "json\t'JSON Lines records'
table\t'Aligned columns'
csv\t'Comma-separated values'
markdown\t'A Markdown table'
nix\t'The layers as a JSON list of lists of store paths'"
complete -c closure-layers -n "__fish_closure_layers_needs_command" -l fleet -d 'Treat each GRAPH as a separate image and lay them out jointly: paths common to several images go into layers those images share, within each image\'s budget. The result never pulls more than laying out each image alone with --algorithm or --pipeline: an image keeps its own layering where that pulls fewer bytes, and every image does when the joint layering is worse. Records: `"fleet_layer"` (`image`, `index`, `paths`, `path_count`, `nar_size_bytes`, `images_with_layer`, `layering`: `joint` or the per-image algorithm) and a `"summary"` (`chosen`: `joint`, `per_image` or `mixed`; `images_laid_out_alone`, `fleet_pull_bytes` of the result, `joint_pull_bytes`, `per_image_pull_bytes`, `saved_bytes`, never negative, and `distinct_store_bytes`)'
complete -c closure-layers -n "__fish_closure_layers_needs_command" -l pretty -d 'Indent JSON'
complete -c closure-layers -n "__fish_closure_layers_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c closure-layers -n "__fish_closure_layers_needs_command" -s V -l version -d 'Print version'
complete -c closure-layers -n "__fish_closure_layers_needs_command" -a "diff" -d 'Compare two versions of one image: which layers stay byte-identical (same ordered path list) and how many bytes a push or pull transfers again, for each algorithm'
complete -c closure-layers -n "__fish_closure_layers_needs_command" -a "share" -d 'For several images: store bytes and layers shared pairwise and in total, and the bytes a host pulls for each image when it already has the others'
complete -c closure-layers -n "__fish_closure_layers_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -s a -l algorithm -d 'The layering algorithm, `auto` unless given: `auto` is nixpkgs\' default (auto-layer.py), `popularity` the popularity contest used until late 2024 (closure-graph.py). `diff` compares both unless this is given. Not with --pipeline' -r -f -a "auto\t'Size cohorts (nixpkgs `auto-layer.py`, the default since late 2024)'
popularity\t'Popularity contest with the `maxLayers` split (nixpkgs `closure-graph.py`)'"
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -l pipeline -d 'A `layeringPipeline` as JSON text or a JSON file, e.g. \'[["popularity_contest"],["limit_layers",99]]\', instead of --algorithm. Like nixpkgs, a pipeline ignores --max-layers and --from-image-layers: its own steps (`limit_layers`) bound the number of layers, and the summary\'s `max_layers`, `from_image_layers` and `available_layers` are null' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -l max-layers -d '`maxLayers` of the image: every layer counts, the customisation layer and the base image\'s too' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -l from-image-layers -d 'The number of layers of `fromImage`, which use up the budget' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -l exclude -d 'A store path to leave out of the layers (repeatable), like the image config and customisation layer nixpkgs excludes. To reproduce a built image exactly, give the graph nixpkgs builds (the closure of the image\'s config JSON and customisation layer) and exclude those two paths: they count toward the budget while layers are chosen. A path that is not in the graph is ignored, as nixpkgs ignores it, with a warning' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -s o -l output -d 'Output format: JSON Lines records, a table for people, or `nix` for the list of lists of store paths that `streamLayeredImage` reads as `store_layers` (a layering or --fleet only: `diff` and `share` have no layers to list). `share` prints three tables (the images, the pairs, the totals) and --fleet two (the layers, the totals), an empty line between two' -r -f -a "json\t'JSON Lines records'
table\t'Aligned columns'
csv\t'Comma-separated values'
markdown\t'A Markdown table'
nix\t'The layers as a JSON list of lists of store paths'"
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -l pretty -d 'Indent JSON'
complete -c closure-layers -n "__fish_closure_layers_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -s a -l algorithm -d 'The layering algorithm, `auto` unless given: `auto` is nixpkgs\' default (auto-layer.py), `popularity` the popularity contest used until late 2024 (closure-graph.py). `diff` compares both unless this is given. Not with --pipeline' -r -f -a "auto\t'Size cohorts (nixpkgs `auto-layer.py`, the default since late 2024)'
popularity\t'Popularity contest with the `maxLayers` split (nixpkgs `closure-graph.py`)'"
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -l pipeline -d 'A `layeringPipeline` as JSON text or a JSON file, e.g. \'[["popularity_contest"],["limit_layers",99]]\', instead of --algorithm. Like nixpkgs, a pipeline ignores --max-layers and --from-image-layers: its own steps (`limit_layers`) bound the number of layers, and the summary\'s `max_layers`, `from_image_layers` and `available_layers` are null' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -l max-layers -d '`maxLayers` of the image: every layer counts, the customisation layer and the base image\'s too' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -l from-image-layers -d 'The number of layers of `fromImage`, which use up the budget' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -l exclude -d 'A store path to leave out of the layers (repeatable), like the image config and customisation layer nixpkgs excludes. To reproduce a built image exactly, give the graph nixpkgs builds (the closure of the image\'s config JSON and customisation layer) and exclude those two paths: they count toward the budget while layers are chosen. A path that is not in the graph is ignored, as nixpkgs ignores it, with a warning' -r
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -s o -l output -d 'Output format: JSON Lines records, a table for people, or `nix` for the list of lists of store paths that `streamLayeredImage` reads as `store_layers` (a layering or --fleet only: `diff` and `share` have no layers to list). `share` prints three tables (the images, the pairs, the totals) and --fleet two (the layers, the totals), an empty line between two' -r -f -a "json\t'JSON Lines records'
table\t'Aligned columns'
csv\t'Comma-separated values'
markdown\t'A Markdown table'
nix\t'The layers as a JSON list of lists of store paths'"
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -l pretty -d 'Indent JSON'
complete -c closure-layers -n "__fish_closure_layers_using_subcommand share" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c closure-layers -n "__fish_closure_layers_using_subcommand help; and not __fish_seen_subcommand_from diff share help" -f -a "diff" -d 'Compare two versions of one image: which layers stay byte-identical (same ordered path list) and how many bytes a push or pull transfers again, for each algorithm'
complete -c closure-layers -n "__fish_closure_layers_using_subcommand help; and not __fish_seen_subcommand_from diff share help" -f -a "share" -d 'For several images: store bytes and layers shared pairwise and in total, and the bytes a host pulls for each image when it already has the others'
complete -c closure-layers -n "__fish_closure_layers_using_subcommand help; and not __fish_seen_subcommand_from diff share help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
