import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { isDnsSubdomain } from '../core/names';

/**
 * Which IngressClasses a tenant's Ingresses may use.
 */
export class TenantIngressClasses {
  /**
   * Any class, and Ingresses without one.
   */
  public static any(): TenantIngressClasses {
    return new TenantIngressClasses(undefined, undefined);
  }

  /**
   * Only these classes. Every Ingress must name one (in
   * `spec.ingressClassName`, and in the legacy `kubernetes.io/ingress.class`
   * annotation if it sets it): an Ingress without a class is refused, with
   * a message naming the tenant's default class, since which controller
   * serves it would depend on the cluster's default class and on
   * controllers that pick up classless Ingresses. Where the cluster has a
   * default IngressClass, the API server's `DefaultIngressClass` admission
   * plugin writes it into a new classless Ingress before the guard sees it:
   * the Ingress is then admitted if that class is one of these.
   *
   * @param classes the IngressClass names
   * @param defaultClass the class the guard's message tells tenants to set; one of `classes`. @default - the first of `classes`
   */
  public static only(classes: string[], defaultClass?: string): TenantIngressClasses {
    return new TenantIngressClasses(classes, defaultClass);
  }

  private constructor(
    /** @internal */ public readonly _classes: string[] | undefined,
    /** @internal */ public readonly _default: string | undefined,
  ) {}

  /**
   * The checked classes and default, or undefined for any class.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { classes: string[]; defaultClass: string } | undefined {
    if (this._classes === undefined) return undefined;
    const classes = checkClassNames(scope, prop, this._classes, 'IngressClass', 'TenantIngressClasses.any()');
    const defaultClass = this._default ?? classes[0];
    if (!classes.includes(defaultClass)) {
      throw invalidProp(scope, `${prop} defaultClass`, defaultClass, `must be one of the allowed classes (${classes.join(', ')}).`);
    }
    return { classes, defaultClass };
  }
}

/**
 * Whether a tenant may create Gateway API objects: routes (HTTPRoute,
 * GRPCRoute) that attach to the platform's Gateways, and Gateways of its
 * own of the allowed GatewayClasses.
 */
export class TenantGatewayApi {
  /**
   * No Gateway API rights: the default. The guard refuses Gateways in the
   * tenant's namespaces, whoever creates them.
   */
  public static none(): TenantGatewayApi {
    return new TenantGatewayApi(false, undefined);
  }

  /**
   * Admins and users may create and change HTTPRoutes and GRPCRoutes in
   * the tenant's namespaces (as they may Ingresses) and read Gateways. A
   * route only attaches to a Gateway whose listeners admit routes from
   * the tenant's namespace (`allowedRoutes`): the platform decides that on
   * its Gateways. No Gateways of the tenant's own.
   */
  public static routes(): TenantGatewayApi {
    return new TenantGatewayApi(true, undefined);
  }

  /**
   * Routes as in {@link TenantGatewayApi.routes}, and admins may create
   * Gateways of these GatewayClasses (a Gateway usually provisions a load
   * balancer). A Gateway's `gatewayClassName` is required by the API, so
   * there is no default class to choose.
   *
   * @param gatewayClasses the GatewayClass names the tenant's Gateways may use
   */
  public static routesAndGateways(gatewayClasses: string[]): TenantGatewayApi {
    return new TenantGatewayApi(true, gatewayClasses);
  }

  private constructor(
    /** @internal */ public readonly _routes: boolean,
    /** @internal */ public readonly _gatewayClasses: string[] | undefined,
  ) {}

  /**
   * Whether routes are granted, and the checked Gateway classes.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { routes: boolean; gatewayClasses: string[] } {
    if (!this._routes) return { routes: false, gatewayClasses: [] };
    if (this._gatewayClasses === undefined) return { routes: true, gatewayClasses: [] };
    return { routes: true, gatewayClasses: checkClassNames(scope, prop, this._gatewayClasses, 'GatewayClass', 'TenantGatewayApi.routes() for no Gateways') };
  }
}

/**
 * The hostnames a tenant's Ingresses, Gateway listeners and routes may
 * serve.
 */
export class TenantHostnames {
  /**
   * Any hostname. Two tenants can then claim the same host; the audit
   * reports them (`ingress.host-collisions`).
   */
  public static any(): TenantHostnames {
    return new TenantHostnames(undefined);
  }

  /**
   * Only these: `app.example.com` exactly, or `*.team-a.example.com` for
   * any name below `team-a.example.com` (at any depth, and the wildcard
   * host `*.team-a.example.com` itself; not `team-a.example.com`). Every
   * Ingress rule, TLS entry, Gateway listener and route must then name a
   * host: a rule, listener or route without one serves every host.
   *
   * No two tenants' lists may overlap (the same name, or a wildcard over
   * another tenant's name or wildcard): refused at synth, since the guard
   * judges one object at a time and could not keep the two apart.
   */
  public static only(hostnames: string[]): TenantHostnames {
    return new TenantHostnames(hostnames);
  }

  private constructor(/** @internal */ public readonly _hostnames: string[] | undefined) {}

  /**
   * The checked names: exact names and, for wildcards, the suffix with its
   * leading dot; undefined for any hostname.
   *
   * @internal
   */
  public _render(scope: IConstruct, prop: string): { names: string[]; suffixes: string[] } | undefined {
    if (this._hostnames === undefined) return undefined;
    if (!Array.isArray(this._hostnames) || this._hostnames.length === 0) {
      throw invalidProp(scope, prop, this._hostnames, 'must name at least one hostname.', 'Use TenantHostnames.any() to allow every hostname.');
    }
    const names: string[] = [];
    const suffixes: string[] = [];
    this._hostnames.forEach((h, i) => {
      const wildcard = typeof h === 'string' && h.startsWith('*.');
      const name = wildcard ? h.slice(2) : h;
      if (typeof name !== 'string' || !isDnsSubdomain(name) || !name.includes('.') || name !== name.toLowerCase()) {
        throw invalidProp(scope, `${prop}[${i}]`, h, "must be a fully qualified, lower-case DNS name ('app.example.com') or a wildcard below one ('*.team-a.example.com').");
      }
      (wildcard ? suffixes : names).push(wildcard ? `.${name}` : name);
    });
    if (new Set(this._hostnames).size !== this._hostnames.length) throw invalidProp(scope, prop, this._hostnames, 'lists a hostname twice.');
    return { names, suffixes };
  }
}

/**
 * How a tenant's traffic comes in: Ingress classes, Gateway API rights and
 * hostnames, held by the platform's ingress guard.
 */
export interface TenantIngressOptions {
  /**
   * The IngressClasses the tenant's Ingresses may use.
   *
   * @default TenantIngressClasses.any()
   */
  readonly ingressClasses?: TenantIngressClasses;

  /**
   * The tenant's Gateway API rights: routes, and Gateways of some classes.
   *
   * @default TenantGatewayApi.none()
   */
  readonly gatewayApi?: TenantGatewayApi;

  /**
   * The hostnames the tenant's Ingresses, Gateways and routes may serve.
   *
   * @default TenantHostnames.any()
   */
  readonly hostnames?: TenantHostnames;
}

function checkClassNames(scope: IConstruct, prop: string, classes: string[], kind: string, fix: string): string[] {
  if (!Array.isArray(classes) || classes.length === 0) {
    throw invalidProp(scope, prop, classes, `must name at least one ${kind}.`, `Use ${fix}.`);
  }
  classes.forEach((c, i) => {
    if (!isDnsSubdomain(c)) throw invalidProp(scope, `${prop}[${i}]`, c, `must be an ${kind} name (a DNS-1123 subdomain, e.g. 'nginx').`.replace('an GatewayClass', 'a GatewayClass'));
  });
  if (new Set(classes).size !== classes.length) throw invalidProp(scope, prop, classes, 'lists a class twice.');
  return [...classes];
}
