sed -i 's/account:/acount:/' keyform.yaml
