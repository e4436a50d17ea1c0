sed -i 's#content: certificate, mode: "0644"}$#content: certificate, mode: "0999"}#; 7,16s#0999#0644#' deploy.yaml
