import { Type } from 'typebox';
import { NUMBER_STATUSES } from '../../domain/order.js';
import { DIFFERENCE_KINDS } from '../../domain/upstream-differences.js';
import { Nullable, StringEnum } from './common-schemas.js';

const Fields = Type.Record(Type.String(), Nullable(Type.String()));

export const UpstreamDifference = Type.Object(
  {
    kind: StringEnum(DIFFERENCE_KINDS, {
      description:
        'owned_not_sold: upstream holds it and no customer has it; sold_not_owned: a customer has it and upstream does not hold it; ' +
        "routing_differs / ipnd_differs: upstream's routing or IPND records are not the ones Bilby wants; " +
        'orphaned_record: a copy of an IPND record that no number upstream uses',
    }),
    did_number: Type.Optional(Type.String()),
    local_status: Type.Optional(Nullable(StringEnum(NUMBER_STATUSES, { description: "owned_not_sold: the number's status in Bilby; null when not in its inventory" }))),
    account_id: Type.Optional(Type.String({ description: 'sold_not_owned: the account the number is sold to' })),
    record: Type.Optional(StringEnum(['address', 'person'] as const)),
    upstream_id: Type.Optional(Type.String()),
    local_id: Type.Optional(Type.String()),
    expected: Type.Optional(Fields),
    actual: Type.Optional(Nullable(Fields)),
    detail: Type.String(),
  },
  { $id: 'UpstreamDifference' },
);

export const ReconcileReport = Type.Object(
  {
    checked_at: Type.String({ format: 'date-time' }),
    carrier: Type.String(),
    owned_upstream: Type.Integer({ description: 'Numbers the carrier holds for Bilby' }),
    sold: Type.Integer({ description: 'Numbers customers hold whose release is not under way' }),
    in_flight: Type.Array(
      Type.Object({ did_number: Type.String(), saga: StringEnum(['purchase', 'release', 'restore', 'change'] as const), owned_upstream: Type.Boolean() }),
      {
        description:
          'Sagas under way: a purchase, a release or a restore (its ownership is no difference while open), or a change of a ' +
          "number's configuration queued for upstream (its routing and IPND records are not compared while queued)",
      },
    ),
    differences: Type.Array(Type.Ref('UpstreamDifference')),
    difference_counts: Type.Object(Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, Type.Integer()]))),
  },
  { $id: 'ReconcileReport' },
);
