/**
 * The regions Lightsail serves (botocore endpoints.json, partition aws): what
 * `regions: ["*"]` expands to and what the emulator answers GetRegions with.
 */
export interface RegionInfo {
  name: string;
  displayName: string;
  continentCode: string;
  description: string;
}

export const LIGHTSAIL_REGIONS: readonly RegionInfo[] = [
  {
    name: "us-east-1",
    displayName: "Virginia",
    continentCode: "NA",
    description: "This region is recommended to serve users in the eastern United States",
  },
  {
    name: "us-east-2",
    displayName: "Ohio",
    continentCode: "NA",
    description:
      "This region is recommended to serve users in the eastern United States and eastern Canada",
  },
  {
    name: "us-west-2",
    displayName: "Oregon",
    continentCode: "NA",
    description:
      "This region is recommended to serve users in the northwestern United States, Alaska, and western Canada",
  },
  {
    name: "ca-central-1",
    displayName: "Canada",
    continentCode: "NA",
    description: "This region is recommended to serve users in Canada",
  },
  {
    name: "eu-west-1",
    displayName: "Ireland",
    continentCode: "EU",
    description:
      "This region is recommended to serve users in Ireland, the United Kingdom, and Iceland",
  },
  {
    name: "eu-west-2",
    displayName: "London",
    continentCode: "EU",
    description:
      "This region is recommended to serve users in the United Kingdom and northern Europe",
  },
  {
    name: "eu-west-3",
    displayName: "Paris",
    continentCode: "EU",
    description: "This region is recommended to serve users in France, Belgium, and Luxembourg",
  },
  {
    name: "eu-central-1",
    displayName: "Frankfurt",
    continentCode: "EU",
    description:
      "This region is recommended to serve users in Germany, Switzerland, and central Europe",
  },
  {
    name: "eu-north-1",
    displayName: "Stockholm",
    continentCode: "EU",
    description: "This region is recommended to serve users in Scandinavia and northern Europe",
  },
  {
    name: "ap-south-1",
    displayName: "Mumbai",
    continentCode: "AP",
    description: "This region is recommended to serve users in India",
  },
  {
    name: "ap-southeast-1",
    displayName: "Singapore",
    continentCode: "AP",
    description: "This region is recommended to serve users in Southeast Asia",
  },
  {
    name: "ap-southeast-2",
    displayName: "Sydney",
    continentCode: "AP",
    description: "This region is recommended to serve users in Australia and New Zealand",
  },
  {
    name: "ap-southeast-3",
    displayName: "Jakarta",
    continentCode: "AP",
    description: "This region is recommended to serve users in Indonesia",
  },
  {
    name: "ap-southeast-5",
    displayName: "Malaysia",
    continentCode: "AP",
    description: "This region is recommended to serve users in Malaysia",
  },
  {
    name: "ap-northeast-1",
    displayName: "Tokyo",
    continentCode: "AP",
    description: "This region is recommended to serve users in Japan",
  },
  {
    name: "ap-northeast-2",
    displayName: "Seoul",
    continentCode: "AP",
    description: "This region is recommended to serve users in South Korea",
  },
];

export const REGION_NAMES: readonly string[] = LIGHTSAIL_REGIONS.map((r) => r.name);

export function isLightsailRegion(name: string): boolean {
  return REGION_NAMES.includes(name);
}
