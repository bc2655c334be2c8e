/**
 * Realistic nginx traffic as text, in nginx's own `combined` and error formats: the demo writes it, and
 * the benchmarks and tests use it as input. Deterministic for a given seed so runs are comparable.
 */

const PATHS = ['/', '/index.html', '/static/app.js', '/static/style.css', '/api/cart', '/api/products?page=2', '/api/checkout',
  '/search?q=shoes', '/healthz', '/login', '/images/logo.png', '/api/orders/1842', '/favicon.ico', '/admin'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'GET', 'PUT', 'DELETE'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'curl/8.5.0', 'kube-probe/1.30', 'Go-http-client/1.1', 'Prometheus/2.53.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
];
const REFERRERS = ['-', '-', 'https://shop.example.test/', 'https://www.google.com/search?q=example+shop'];
const STATUSES = [200, 200, 200, 200, 200, 200, 304, 301, 404, 404, 499, 500, 502, 503];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ERRORS = [
  ['error', 'open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)'],
  ['error', 'connect() failed (111: Connection refused) while connecting to upstream'],
  ['warn', 'an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000001'],
  ['crit', 'SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking'],
  ['notice', 'signal process started'],
] as const;

/** A small, fast, seedable PRNG (mulberry32): same seed, same traffic. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** nginx's `$time_local` in UTC: `23/Nov/2026:06:16:36 +0000`. */
export function timeLocal(date: Date): string {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export function accessLine(random: () => number, date: Date): string {
  const ip = `${Math.floor(random() * 223) + 1}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 254) + 1}`;
  const status = pick(random, STATUSES);
  const bytes = status === 304 ? 0 : Math.floor(random() * 90_000);
  const user = random() < 0.05 ? 'alice' : '-';
  return `${ip} - ${user} [${timeLocal(date)}] "${pick(random, METHODS)} ${pick(random, PATHS)} HTTP/1.1" ${status} ${bytes} "${pick(random, REFERRERS)}" "${pick(random, AGENTS)}"`;
}

export function errorLine(random: () => number, date: Date, connection: number): string {
  const [level, text] = pick(random, ERRORS);
  const stamp = `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${stamp} [${level}] 29#29: *${connection} ${text}, client: 10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}, server: shop.example.test, request: "GET ${pick(random, PATHS)} HTTP/1.1", host: "shop.example.test"`;
}
