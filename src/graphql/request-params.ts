import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';

const badRequest = (message: string) =>
  createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });

const jsonParam = (params: URLSearchParams, name: 'variables' | 'extensions'): unknown => {
  const text = params.get(name);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(`${name} is not valid JSON`);
  }
};

const paramsOf = (params: URLSearchParams): GraphQLParams => ({
  operationName: params.get('operationName') || undefined,
  query: params.get('query') || undefined,
  variables: jsonParam(params, 'variables') as GraphQLParams['variables'],
  extensions: jsonParam(params, 'extensions') as GraphQLParams['extensions'],
});

const isForm = (req: Request): boolean =>
  /^application\/x-www-form-urlencoded\s*(;|,|$)/i.test(req.headers.get('content-type') ?? '');

/**
 * Reads the parameters of a GET or form-encoded request as yoga does, but answers `variables` or
 * `extensions` that are not JSON with 400 naming the parameter (yoga's own parser throws a bare
 * SyntaxError, answered as an unexpected 500).
 */
export const useUrlParams = (): Plugin => ({
  onRequestParse: ({ request, url, requestParser, setRequestParser }) => {
    if (!requestParser) return;
    if (request.method === 'GET') setRequestParser(() => paramsOf(url.searchParams));
    else if (request.method === 'POST' && isForm(request))
      setRequestParser(async (req) => paramsOf(new URLSearchParams(await req.text())));
  },
});
