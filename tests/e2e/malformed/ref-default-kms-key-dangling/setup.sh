sed -i 's/kmsKey: main/kmsKey: mian/' keyform.yaml
