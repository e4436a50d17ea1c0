sed -i '/^name:/d' keyform.yaml
