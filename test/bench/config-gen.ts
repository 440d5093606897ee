// Generates a large, realistic keepalived.conf for the config benchmarks:
// VRRP instances with VIPs and track scripts, and virtual servers whose real
// servers carry HTTP_GET (two url blocks) or TCP_CHECK.
export function bigKeepalivedConf(minLines = 10_000): string {
  const out: string[] = ["! generated for test/bench/config.bench.ts", "global_defs {", "    router_id bench", "    vrrp_version 3", "}"];
  for (let s = 0; s < 10; s++) out.push(`vrrp_script chk_${s} {`, `    script "/usr/local/bin/check ${s}"`, "    interval 2", "    weight -10", "}");
  for (let i = 0; i < 200; i++) {
    out.push(
      `vrrp_instance VI_${i} {`, "    state BACKUP", `    interface eth${i % 8}`, `    virtual_router_id ${(i % 250) + 1}`, "    priority 100", "    advert_int 0.1",
      "    virtual_ipaddress {", `        198.18.${i}.1/24 dev eth${i % 8}`, `        198.18.${i}.2/24 dev eth${i % 8} label eth${i % 8}:v`, "    }",
      "    track_script {", `        chk_${i % 10}`, "    }", `    notify "/etc/vigil/notify.sh ${i}"`, "}",
    );
    // 200 instances over 8 interfaces: vrid i%250+1 is unique per interface.
  }
  let v = 0;
  while (out.length < minLines) {
    const a = `198.19.${(v >> 8) & 255}.${v & 255}`;
    out.push(`virtual_server ${a} 80 {`, "    delay_loop 5", "    lb_algo wlc", "    lb_kind NAT", "    protocol TCP", "    persistence_timeout 60");
    for (let r = 0; r < 8; r++) {
      const rs = `198.18.${200 + (r % 50)}.${(v * 8 + r) % 250 + 1}`;
      out.push(`    real_server ${rs} ${8000 + v} {`, "        weight 1");
      if (r % 2) out.push("        TCP_CHECK {", "            connect_timeout 3", "        }");
      else out.push("        HTTP_GET {", "            url {", "                path /healthz", "                status_code 200-299", "            }", "            url {", "                path /index.html", "                digest 640205b7b0fc66c1ea91c463fac6334d", "            }", "            connect_timeout 3", "            retry 3", "            delay_before_retry 3", "        }");
      out.push("    }");
    }
    out.push("}");
    v++;
  }
  return `${out.join("\n")}\n`;
}
