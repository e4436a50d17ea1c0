{ printf 'kind: KmsKey\nname: k2\ntags: '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; echo; } > x.yaml
