import { RemovalPolicy } from 'aws-cdk-lib';
import { Attribute, AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDesign } from '../../lib/stores/table-design';

export interface DesignedTableProps {
  design: TableDesign;
  /** Default RETAIN: every table here holds data the product cannot rebuild (records, audit). */
  removalPolicy?: RemovalPolicy;
}

const toAttribute = (key: KeyAttribute): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * A DynamoDB table built from the shared `TableDesign`, so that the deployed keys, indexes and TTL
 * cannot drift from what the stores use. Secure defaults: on-demand billing (sweeps are bursty),
 * point-in-time recovery, encryption with the AWS managed key (declared explicitly so that the
 * template says so), deletion protection and a RETAIN removal policy.
 */
export class DesignedTable extends Construct {
  readonly table: Table;
  readonly design: TableDesign;

  constructor(scope: Construct, id: string, props: DesignedTableProps) {
    super(scope, id);
    const { design } = props;
    this.design = design;
    this.table = new Table(this, 'Table', {
      partitionKey: toAttribute(design.partitionKey),
      ...(design.sortKey ? { sortKey: toAttribute(design.sortKey) } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      ...(design.timeToLiveAttribute ? { timeToLiveAttribute: design.timeToLiveAttribute } : {}),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of design.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: toAttribute(index.sortKey) } : {}),
        projectionType: ProjectionType.ALL,
      });
    }
  }

  /** ARN of one of the design's indexes; throws for an index the design does not have. */
  indexArn(indexName: string): string {
    if (!this.design.globalSecondaryIndexes.some((index) => index.indexName === indexName)) {
      throw new Error(`Table ${this.design.logicalName} has no index named ${indexName}`);
    }
    return `${this.table.tableArn}/index/${indexName}`;
  }
}
