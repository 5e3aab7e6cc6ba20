/**
 * Logpush `http_requests` lines with the real field set (about 1.4 KB each, REFERENCE.md §1.1),
 * generated from a seed: what a day of a zone's logs looks like to the replay, for the throughput
 * measurement and the streaming tests.
 */
import { prng } from "../helpers/prng.js";

const JA4S = [
  "t13d1516h2_8daaf6152771_02713d6af862",
  "t13d880900_fcb5b95cb75a_b0d3b4ac2a14",
  "t13d190900_9dc949149365_97f8aa674fd9",
  "t12d5909h1_4d2b5b6cd3ae_6d9a1c6bd03f",
  "t13d0912h1_8daaf6152771_b1ff8ab2d16f",
  "t13d1715h2_5b57614c22b0_3d5424432f57",
];
const PATHS = ["/", "/search", "/product/1234", "/cart", "/checkout", "/api/cart", "/assets/app.js", "/login", "/xmlrpc.php", "/account"];
const COUNTRIES = ["de", "gb", "us", "fr", "au", "sa", "br", "in"];
const AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "python-requests/2.32.3",
  "curl/8.7.1",
];

/** Yields `count` lines (without newlines); every `subrequestEvery`-th visit also logs its Worker subrequest. */
export function* generateLogpushLines(count: number, seed = 7, subrequestEvery = 10): Generator<string> {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const ratio = (): number => Math.round(random() * 10_000) / 10_000;
  const hex = (length: number): string => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join("");
  let made = 0;
  for (let visit = 0; made < count; visit += 1) {
    const ray = hex(16);
    const path = pick(PATHS);
    const score = 1 + Math.floor(random() * 99);
    const line = {
      BotDetectionIDs: random() < 0.2 ? [50331651] : [],
      BotDetectionTags: [],
      BotScore: score,
      BotScoreSrc: score < 30 ? "Heuristics" : "Machine Learning",
      BotTags: [],
      CacheCacheStatus: "dynamic",
      CacheResponseBytes: 2048 + Math.floor(random() * 50_000),
      ClientASN: pick([64496, 64511, 3320, 13335, 16509]),
      ClientCountry: pick(COUNTRIES),
      ClientDeviceType: "desktop",
      ClientIP: `198.51.100.${Math.floor(random() * 256)}`,
      ClientRequestBytes: 1024,
      ClientRequestHost: "shop.example.com",
      ClientRequestMethod: random() < 0.8 ? "GET" : "POST",
      ClientRequestPath: path,
      ClientRequestProtocol: "HTTP/2",
      ClientRequestReferer: "https://shop.example.com/",
      ClientRequestScheme: "https",
      ClientRequestSource: "eyeball",
      ClientRequestURI: `${path}?q=${hex(6)}`,
      ClientRequestUserAgent: pick(AGENTS),
      ClientSSLCipher: "AEAD-AES128-GCM-SHA256",
      ClientSSLProtocol: "TLSv1.3",
      EdgeColoCode: "FRA",
      EdgeEndTimestamp: 1764633600000000000 + visit * 1_000_000,
      EdgeResponseBytes: 4096,
      EdgeResponseContentType: "text/html",
      EdgeResponseStatus: 200,
      EdgeStartTimestamp: 1764633600000000000 + visit * 1_000_000 - 35_000_000,
      JA3Hash: hex(32),
      JA4: pick(JA4S),
      JA4Signals: {
        browser_ratio_1h: ratio(),
        cache_ratio_1h: ratio(),
        h2h3_ratio_1h: ratio(),
        heuristic_ratio_1h: ratio(),
        ips_quantile_1h: ratio(),
        ips_rank_1h: Math.floor(random() * 1000),
        paths_rank_1h: Math.floor(random() * 1000),
        reqs_quantile_1h: ratio(),
        reqs_rank_1h: Math.floor(random() * 1000),
        uas_rank_1h: Math.floor(random() * 1000),
      },
      JSDetectionPassed: pick(["passed", "failed", "missing"]),
      OriginResponseStatus: 200,
      OriginResponseTime: 35_000_000,
      ParentRayID: "00",
      RayID: ray,
      SecurityAction: "",
      SecurityActions: [],
      SecurityRuleDescription: "",
      SecurityRuleID: "",
      SecurityRuleIDs: [],
      SecuritySources: [],
      VerifiedBotCategory: "",
      WAFAttackScore: 80 + Math.floor(random() * 19),
      WAFRCEAttackScore: 90,
      WAFSQLiAttackScore: 91,
      WAFXSSAttackScore: 92,
      WorkerCPUTime: 0,
      WorkerStatus: "unknown",
      WorkerSubrequest: false,
      ZoneName: "shop.example.com",
    };
    yield JSON.stringify(line);
    made += 1;
    if (made < count && visit % subrequestEvery === 0) {
      yield JSON.stringify({ ...line, ClientRequestSource: "edgeWorkerFetch", WorkerSubrequest: true, ParentRayID: ray, RayID: hex(16) });
      made += 1;
    }
  }
}
