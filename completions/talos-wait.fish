complete -c talos-wait -l kubeconfig -d 'Kubeconfig file, `-` for standard input (else $KUBECONFIG, colon-separated and merged, else ~/.kube/config)' -r -F
complete -c talos-wait -l context -d 'Kubeconfig context (else its current-context)' -r
complete -c talos-wait -l talosconfig -d 'Talos client configuration, `-` for standard input (else $TALOSCONFIG, else ~/.talos/config when it exists)' -r -F
complete -c talos-wait -l talos-context -d 'Talosconfig context (else its current context)' -r
complete -c talos-wait -l control-planes -d 'Expected number of control-plane nodes' -r
complete -c talos-wait -l workers -d 'Expected number of worker nodes' -r
complete -c talos-wait -l nodes -d 'Expected node IP addresses, comma-separated; also the nodes whose Talos API is checked' -r
complete -c talos-wait -l apid-port -d 'Port of the Talos API when a node address has none' -r
complete -c talos-wait -l check -d 'Extra check, repeatable: tcp://host:port, https://url (2xx, or #status=NNN), or etcd+https://host:2379 (/health with the --check-cert client certificate)' -r
complete -c talos-wait -l check-ca -d 'PEM certificate authorities for the https and etcd checks (else the bundled web roots)' -r -F
complete -c talos-wait -l check-cert -d 'PEM client certificate for the https and etcd checks (etcd\'s client CA signs it)' -r -F
complete -c talos-wait -l check-key -d 'PEM private key of --check-cert' -r -F
complete -c talos-wait -l until -d 'How far to wait; each stage includes the ones before it' -r -f -a "apid\t'The Talos API answers mutual TLS with the talosconfig\'s CA on every node'
apiserver\t'The Kubernetes API server answers `/readyz` with 200'
nodes\t'Every expected node is registered, with the expected addresses'
kubelet\t'Every kubelet posts node status (`Ready` is True or False): enough before a CNI exists'
ready\t'Every node Ready and schedulable, control-plane pods, kube-proxy and CoreDNS ready'"
complete -c talos-wait -l timeout -d 'Overall deadline (e.g. 10m, 90s)' -r
complete -c talos-wait -l interval -d 'First delay between failed attempts; doubled up to --max-interval, with jitter' -r
complete -c talos-wait -l max-interval -d 'Largest delay between failed attempts' -r
complete -c talos-wait -l attempt-timeout -d 'Time limit of one attempt (connect, TLS, request and answer)' -r
complete -c talos-wait -l exec-timeout -d 'Time limit of a kubeconfig exec credential plugin' -r
complete -c talos-wait -l insecure -d 'With --until apid: wait for nodes in maintenance mode (certificate maintenance-service.talos.dev), without verifying it. Never used for a configured node'
complete -c talos-wait -l pretty -d 'Indent JSON records (no longer one record per line)'
complete -c talos-wait -s h -l help -d 'Print help (see more with \'--help\')'
complete -c talos-wait -s V -l version -d 'Print version'
